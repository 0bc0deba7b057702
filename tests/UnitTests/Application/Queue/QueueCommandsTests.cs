using NSubstitute;
using Speaking.Application.Common;
using Speaking.Application.Queue;
using Speaking.Application.Realtime;
using Speaking.Application.Users;
using Speaking.Domain.Common;
using Speaking.Domain.Matchmaking;
using Speaking.Domain.Users;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Application.Queue;

/// <summary>A user at level 6.5 and a queue that takes every join unless a test says otherwise.</summary>
public abstract class QueueTestBase
{
    protected readonly IQueueRepository Queue = Substitute.For<IQueueRepository>();
    protected readonly IUserRepository Users = Substitute.For<IUserRepository>();
    protected readonly User Me = Fakes.User(level: 6.5);

    protected QueueTestBase()
    {
        Users.GetAsync(Me.Id, Arg.Any<CancellationToken>()).Returns(Me);
        JoinAnswers(JoinOutcome.Joined);
    }

    protected void JoinAnswers(JoinOutcome outcome) =>
        Queue.TryJoinAsync(Arg.Any<QueueTicket>(), Arg.Any<ConnectionRef?>(), Arg.Any<CancellationToken>()).Returns(outcome);

    /// <summary>The ticket the handler tried to add, the connection it was for, and whether it widens.</summary>
    protected (QueueTicket Ticket, ConnectionRef? Connection, bool Widen) Joined()
    {
        var call = Queue.ReceivedCalls().Single(c => c.GetMethodInfo().Name == nameof(IQueueRepository.TryJoinAsync));
        var ticket = (QueueTicket)call.GetArguments()[0]!;
        return (ticket, (ConnectionRef?)call.GetArguments()[1], ticket.Widen);
    }
}

public class JoinQueueCommandHandlerTests : QueueTestBase
{
    private Task<Result<QueueStatusView>> Join(QueueMode mode, Input<double> level) =>
        new JoinQueueCommandHandler(Queue, Users, Fakes.SelfLevels, Fakes.ClockAt(Fakes.Now))
            .Handle(new JoinQueueCommand(Me.Id, mode, BodyShape.Object, level), default);

    [Fact]
    public async Task Handle_RouletteReportsThePositionAnd20Seconds()
    {
        Queue.CountJoinedUpToAsync(QueueMode.Roulette, Fakes.Now, Arg.Any<CancellationToken>()).Returns(3);

        var result = await Join(QueueMode.Roulette, Input<double>.Missing);

        result.Value.ShouldBe(new QueueStatusView(true, "roulette", 3, Fakes.Now, 20));
        var (ticket, connection, widen) = Joined();
        (ticket.UserId, ticket.Mode, ticket.JoinedAt).ShouldBe((Me.Id, QueueMode.Roulette, Fakes.Now));
        connection.ShouldBeNull();
        widen.ShouldBeFalse();
    }

    [Theory]
    [InlineData(2, 30)]
    [InlineData(5, 30)]
    [InlineData(1, 60)]
    public async Task Handle_LevelFilterCountsThoseWithinHalfABand_WaitingThirtySecondsWithCompanyAndSixtyAlone(int near, int wait)
    {
        Queue.CountLevelFilterNearAsync(7.0, Arg.Any<CancellationToken>()).Returns(near);

        var result = await Join(QueueMode.LevelFilter, 7.0);

        result.Value.ShouldBe(new QueueStatusView(true, "level_filter", near, Fakes.Now, wait));
        var (ticket, _, widen) = Joined();
        ticket.Level.Value.ShouldBe(7.0);
        widen.ShouldBeFalse("a REST join never widens");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Handle_LevelFilterWithoutALevel_UsesTheEffectiveLevel(bool explicitNull)
    {
        Queue.CountLevelFilterNearAsync(6.5, Arg.Any<CancellationToken>()).Returns(1);

        var result = await Join(QueueMode.LevelFilter, explicitNull ? Input<double>.Null : Input<double>.Missing);

        result.Value.Position.ShouldBe(1);
        Joined().Ticket.Level.Value.ShouldBe(6.5);
    }

    [Fact]
    public async Task Handle_RefusesAUserInASession()
    {
        JoinAnswers(JoinOutcome.InSession);

        var result = await Join(QueueMode.Roulette, Input<double>.Missing);

        result.Error.ShouldBe(QueueErrors.InSession);
        result.Error!.Detail.ShouldBe("You are already in a session");
        await Queue.DidNotReceiveWithAnyArgs().CountJoinedUpToAsync(default, default, default);
    }

    [Fact]
    public async Task Handle_RefusesAUserAlreadyQueued()
    {
        JoinAnswers(JoinOutcome.AlreadyQueued);

        var result = await Join(QueueMode.LevelFilter, 6.0);

        result.Error.ShouldBe(QueueErrors.AlreadyQueued);
        result.Error!.Detail.ShouldBe("You are already in a queue");
    }

    [Fact]
    public async Task Handle_AUserWhoNoLongerExists_IsUnauthorised()
    {
        var result = await new JoinQueueCommandHandler(Queue, Users, Fakes.SelfLevels, Fakes.ClockAt(Fakes.Now))
            .Handle(new JoinQueueCommand(Guid.NewGuid(), QueueMode.Roulette, BodyShape.Missing, Input<double>.Missing), default);

        result.Error.ShouldBe(UserErrors.Gone);
        await Queue.DidNotReceiveWithAnyArgs().TryJoinAsync(default!, default, default);
    }
}

public class LeaveQueueCommandHandlerTests
{
    private readonly IQueueRepository _queue = Substitute.For<IQueueRepository>();
    private readonly Guid _me = Guid.NewGuid();

    [Fact]
    public async Task Handle_LeavesTheQueue()
    {
        _queue.LeaveAsync(_me, Arg.Any<CancellationToken>()).Returns(true);

        (await new LeaveQueueCommandHandler(_queue).Handle(new LeaveQueueCommand(_me), default)).IsSuccess.ShouldBeTrue();
    }

    [Fact]
    public async Task Handle_RefusesAUserWhoIsNotQueued()
    {
        var result = await new LeaveQueueCommandHandler(_queue).Handle(new LeaveQueueCommand(_me), default);

        result.Error.ShouldBe(QueueErrors.NotQueued);
        result.Error!.Detail.ShouldBe("You are not in any queue");
    }
}

public class GetQueueStatusQueryHandlerTests
{
    private readonly IQueueRepository _queue = Substitute.For<IQueueRepository>();
    private readonly Guid _me = Guid.NewGuid();

    private Task<QueueStatusView> Status() => new GetQueueStatusQueryHandler(_queue).Handle(new GetQueueStatusQuery(_me), default);

    [Fact]
    public async Task Handle_NotQueued_HasEveryKeyNull() => (await Status()).ShouldBe(new QueueStatusView(false, null, null, null, null));

    [Theory]
    [InlineData(QueueMode.Roulette, "roulette", 20)]
    [InlineData(QueueMode.LevelFilter, "level_filter", 30)]
    public async Task Handle_Queued_GivesThePositionInTheModeAndTheFixedEstimate(QueueMode mode, string wire, int wait)
    {
        var joinedAt = Fakes.Now.AddSeconds(-40);
        _queue.GetActiveAsync(_me, Arg.Any<CancellationToken>()).Returns(new QueueTicket(Guid.NewGuid(), _me, mode, IeltsBand.From(6.0), joinedAt));
        _queue.CountJoinedUpToAsync(mode, joinedAt, Arg.Any<CancellationToken>()).Returns(4);

        (await Status()).ShouldBe(new QueueStatusView(true, wire, 4, joinedAt, wait));
    }
}
