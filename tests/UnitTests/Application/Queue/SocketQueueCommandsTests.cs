using System.Text.Json;
using NSubstitute;
using Speaking.Application.Queue;
using Speaking.Application.Realtime;
using Speaking.Domain.Common;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Application.Queue;

/// <summary>join_queue and leave_queue over the socket: D-18 validation, the contract's answers, and the ticket bound to the connection .</summary>
public class JoinQueueFromSocketCommandHandlerTests : QueueTestBase
{
    private readonly ConnectionRef _connection = Fakes.Connection(3);

    private static JsonElement? Json(string? text) => text is null ? null : Fakes.Json(text);

    private async Task<ServerMessage> Join(string? mode, string? level, bool widen = false, Guid? user = null) =>
        (await new JoinQueueFromSocketCommandHandler(Queue, Users, Fakes.SelfLevels, Fakes.ClockAt(Fakes.Now))
            .Handle(new JoinQueueFromSocketCommand(user ?? Me.Id, _connection, Json(mode), Json(level), widen), default)).Messages.ShouldHaveSingleItem();

    [Theory]
    [InlineData("\"random\"")]
    [InlineData("\"Roulette\"")]
    [InlineData("\"\"")]
    [InlineData("1")]
    [InlineData("{}")]
    [InlineData("true")]
    public async Task Handle_RefusesAnUnknownMode(string mode)
    {
        (await Join(mode, null)).ShouldBe(new ErrorMessage("Invalid mode"));
        await Queue.DidNotReceiveWithAnyArgs().TryJoinAsync(default!, default, default);
    }

    [Theory]
    [InlineData("\"6.5\"")]
    [InlineData("0.5")]
    [InlineData("0.99")]
    [InlineData("9.01")]
    [InlineData("100")]
    [InlineData("1e400")]
    [InlineData("[]")]
    [InlineData("false")]
    public async Task Handle_RefusesALevelFilterThatIsNotANumberOnTheScale(string level)
    {
        (await Join("\"level_filter\"", level)).ShouldBe(new ErrorMessage("level_filter must be a number between 1.0 and 9.0"));
        await Queue.DidNotReceiveWithAnyArgs().TryJoinAsync(default!, default, default);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("9")]
    [InlineData("9.0")]
    public async Task Handle_AcceptsTheEndsOfTheScale(string level) =>
        (await Join("\"level_filter\"", level)).ShouldBeOfType<QueueJoinedMessage>();

    [Fact]
    public async Task Handle_EchoesModeAndLevelFilterAsSent_AndTheTicketRemembersTheConnection()
    {
        var reply = (QueueJoinedMessage)await Join("\"level_filter\"", "7");

        reply.Data.Mode.ShouldBe("level_filter");
        reply.Data.LevelFilter!.Value.GetRawText().ShouldBe("7");
        var (ticket, connection, widen) = Joined();
        (ticket.UserId, ticket.Mode, ticket.Level.Value, ticket.JoinedAt).ShouldBe((Me.Id, QueueMode.LevelFilter, 7.0, Fakes.Now));
        connection.ShouldBe(_connection);
        widen.ShouldBeFalse();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("null")]
    [InlineData("\"roulette\"")]
    public async Task Handle_AbsentModeMeansRoulette_AndAnAbsentLevelEchoesNull(string? mode)
    {
        var reply = (QueueJoinedMessage)await Join(mode, null);

        reply.Data.ShouldBe(new QueueJoinedData("roulette", null));
        Joined().Ticket.Mode.ShouldBe(QueueMode.Roulette);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("null")]
    public async Task Handle_LevelFilterWithoutALevel_UsesTheEffectiveLevel_AndEchoesNull(string? level)
    {
        var reply = (QueueJoinedMessage)await Join("\"level_filter\"", level);

        reply.Data.LevelFilter.ShouldBeNull();
        Joined().Ticket.Level.Value.ShouldBe(6.5);
    }

    [Fact]
    public async Task Handle_AnswersAlreadyInQueue()
    {
        JoinAnswers(JoinOutcome.AlreadyQueued);

        (await Join("\"roulette\"", null)).ShouldBe(new ErrorMessage("Already in queue"));
    }

    [Fact]
    public async Task Handle_AnswersAlreadyInASession()
    {
        JoinAnswers(JoinOutcome.InSession);

        (await Join("\"roulette\"", null)).ShouldBe(new ErrorMessage("Already in a session"));
    }

    [Fact]
    public async Task Handle_AUserWhoNoLongerExists_IsAnInvalidMessage()
    {
        (await Join("\"roulette\"", null, user: Guid.NewGuid())).ShouldBe(ErrorMessage.InvalidMessage);
        await Queue.DidNotReceiveWithAnyArgs().TryJoinAsync(default!, default, default);
    }
}

public class LeaveQueueFromSocketCommandHandlerTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Handle_LeavesAndAlwaysAnswersQueueLeft(bool wasQueued)
    {
        var queue = Substitute.For<IQueueRepository>();
        var user = Guid.NewGuid();
        queue.LeaveAsync(user, Arg.Any<CancellationToken>()).Returns(wasQueued);

        var reply = await new LeaveQueueFromSocketCommandHandler(queue).Handle(new LeaveQueueFromSocketCommand(user), default);

        reply.Messages.ShouldHaveSingleItem().ShouldBeOfType<QueueLeftMessage>();
        await queue.Received(1).LeaveAsync(user, Arg.Any<CancellationToken>());
    }
}
