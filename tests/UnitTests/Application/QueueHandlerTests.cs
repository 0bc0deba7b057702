using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NSubstitute;
using Speaking.Application.Common;
using Speaking.Application.Queue;
using Speaking.Application.Realtime;
using Speaking.Application.Users;
using Speaking.Domain.Common;
using Speaking.Domain.Matchmaking;
using Speaking.Domain.Sessions;
using Speaking.Domain.Users;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Application;

/// <summary>Ports shared by the queue handlers.</summary>
public abstract class QueueHandlerTestBase
{
    protected readonly IQueueRepository Queue = Substitute.For<IQueueRepository>();
    protected readonly ISessionRepository Sessions = Substitute.For<ISessionRepository>();
    protected readonly IUserRepository Users = Substitute.For<IUserRepository>();
    protected readonly User Me = Fakes.User(level: 6.5);

    protected QueueHandlerTestBase()
    {
        Users.GetAsync(Me.Id, Arg.Any<CancellationToken>()).Returns(Me);
        Queue.TryJoinAsync(Arg.Any<QueueTicket>(), Arg.Any<CancellationToken>()).Returns(true);
    }

    protected void AlreadyInASession() =>
        Sessions.FindActiveForUserAsync(Me.Id, Arg.Any<CancellationToken>())
            .Returns(Session.Start(Guid.NewGuid(), Me.Id, Guid.NewGuid(), QueueMode.Roulette, "room_000000000000", Fakes.Now));
}

public class JoinQueueCommandHandlerTests : QueueHandlerTestBase
{
    private readonly JoinQueueCommandHandler _handler;

    public JoinQueueCommandHandlerTests() => _handler = new JoinQueueCommandHandler(Queue, Sessions, Users, Fakes.SelfLevels, Fakes.ClockAt(Fakes.Now));

    private Task<Result<QueueStatusView>> Join(QueueMode mode, Input<double> level) =>
        _handler.Handle(new JoinQueueCommand(Me.Id, mode, BodyShape.Object, level), default);

    [Fact]
    public async Task Handle_RouletteReportsThePositionAnd20Seconds()
    {
        Queue.CountJoinedUpToAsync(QueueMode.Roulette, Fakes.Now, Arg.Any<CancellationToken>()).Returns(3);

        var result = await Join(QueueMode.Roulette, Input<double>.Missing);

        result.Value.ShouldBe(new QueueStatusView(true, "roulette", 3, Fakes.Now, 20));
        await Queue.Received(1).TryJoinAsync(Arg.Is<QueueTicket>(t => t.UserId == Me.Id && t.Mode == QueueMode.Roulette
            && t.JoinedAt == Fakes.Now), Arg.Any<CancellationToken>());
    }

    [Theory]
    [InlineData(2, 30)]
    [InlineData(5, 30)]
    [InlineData(1, 60)]
    public async Task Handle_LevelFilterWaitsThirtySecondsWithCompanyAndSixtyAlone(int near, int wait)
    {
        Queue.CountLevelFilterNearAsync(7.0, Arg.Any<CancellationToken>()).Returns(near);

        var result = await Join(QueueMode.LevelFilter, 7.0);

        result.Value.ShouldBe(new QueueStatusView(true, "level_filter", near, Fakes.Now, wait));
    }

    [Fact]
    public async Task Handle_LevelFilterUsesTheCurrentLevelWhenNoneIsGiven()
    {
        Queue.CountLevelFilterNearAsync(6.5, Arg.Any<CancellationToken>()).Returns(1);

        var result = await Join(QueueMode.LevelFilter, Input<double>.Null);

        result.Value.Position.ShouldBe(1);
        await Queue.Received(1).TryJoinAsync(Arg.Is<QueueTicket>(t => t.Level.Value == 6.5), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Handle_RefusesAUserInASession()
    {
        AlreadyInASession();

        var result = await Join(QueueMode.Roulette, Input<double>.Missing);

        result.Error.ShouldBe(QueueErrors.InSession);
        await Queue.DidNotReceiveWithAnyArgs().TryJoinAsync(default!, default);
    }

    [Fact]
    public async Task Handle_RefusesAUserAlreadyQueued()
    {
        Queue.TryJoinAsync(Arg.Any<QueueTicket>(), Arg.Any<CancellationToken>()).Returns(false);

        var result = await Join(QueueMode.Roulette, Input<double>.Missing);

        result.Error.ShouldBe(QueueErrors.AlreadyQueued);
        result.Error!.Detail.ShouldBe("You are already in a queue");
    }
}

public class JoinQueueFromSocketCommandHandlerTests : QueueHandlerTestBase
{
    private readonly JoinQueueFromSocketCommandHandler _handler;

    public JoinQueueFromSocketCommandHandlerTests() =>
        _handler = new JoinQueueFromSocketCommandHandler(Queue, Sessions, Users, Fakes.SelfLevels, Fakes.ClockAt(Fakes.Now));

    private static JsonElement? Json(string? text) => text is null ? null : JsonDocument.Parse(text).RootElement.Clone();

    private async Task<ServerMessage> Join(string? mode, string? level) =>
        (await _handler.Handle(new JoinQueueFromSocketCommand(Me.Id, Json(mode), Json(level)), default)).Messages.ShouldHaveSingleItem();

    [Theory]
    [InlineData("\"random\"")]
    [InlineData("\"Roulette\"")]
    [InlineData("1")]
    [InlineData("{}")]
    [InlineData("true")]
    public async Task Handle_RefusesAnUnknownMode(string mode)
    {
        (await Join(mode, null)).ShouldBe(new ErrorMessage("Invalid mode"));
        await Queue.DidNotReceiveWithAnyArgs().TryJoinAsync(default!, default);
    }

    [Theory]
    [InlineData("\"6.5\"")]
    [InlineData("0.5")]
    [InlineData("9.5")]
    [InlineData("100")]
    [InlineData("[]")]
    [InlineData("false")]
    public async Task Handle_RefusesALevelFilterThatIsNotANumberOnTheScale(string level)
    {
        (await Join("\"level_filter\"", level)).ShouldBe(new ErrorMessage("level_filter must be a number between 1.0 and 9.0"));
        await Queue.DidNotReceiveWithAnyArgs().TryJoinAsync(default!, default);
    }

    [Fact]
    public async Task Handle_EchoesModeAndLevelFilterAsSent()
    {
        var reply = (QueueJoinedMessage)await Join("\"level_filter\"", "7");

        reply.Data.Mode.ShouldBe("level_filter");
        reply.Data.LevelFilter!.Value.GetRawText().ShouldBe("7");
        await Queue.Received(1).TryJoinAsync(Arg.Is<QueueTicket>(t => t.Mode == QueueMode.LevelFilter && t.Level.Value == 7.0),
            Arg.Any<CancellationToken>());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("null")]
    public async Task Handle_AbsentModeMeansRouletteAndAbsentLevelEchoesNull(string? mode)
    {
        var reply = (QueueJoinedMessage)await Join(mode, null);

        reply.Data.ShouldBe(new QueueJoinedData("roulette", null));
        await Queue.Received(1).TryJoinAsync(Arg.Is<QueueTicket>(t => t.Mode == QueueMode.Roulette), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Handle_LevelFilterWithoutALevelUsesTheCurrentLevel()
    {
        var reply = (QueueJoinedMessage)await Join("\"level_filter\"", "null");

        reply.Data.LevelFilter.ShouldBeNull();
        await Queue.Received(1).TryJoinAsync(Arg.Is<QueueTicket>(t => t.Level.Value == 6.5), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Handle_AnswersAlreadyInQueue()
    {
        Queue.TryJoinAsync(Arg.Any<QueueTicket>(), Arg.Any<CancellationToken>()).Returns(false);

        (await Join("\"roulette\"", null)).ShouldBe(new ErrorMessage("Already in queue"));
    }

    [Fact]
    public async Task Handle_AnswersAlreadyInASession()
    {
        AlreadyInASession();

        (await Join("\"roulette\"", null)).ShouldBe(JoinQueueFromSocketCommandHandler.InSession);
        await Queue.DidNotReceiveWithAnyArgs().TryJoinAsync(default!, default);
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

public class RunMatchRoundCommandHandlerTests
{
    private readonly IQueueRepository _queue = Substitute.For<IQueueRepository>();
    private readonly ISessionRepository _sessions = Substitute.For<ISessionRepository>();
    private readonly IUserRepository _users = Substitute.For<IUserRepository>();
    private readonly IPresence _presence = Substitute.For<IPresence>();
    private readonly IRealtimeNotifier _notifier = Substitute.For<IRealtimeNotifier>();
    private readonly List<User> _people = [];
    private readonly HashSet<Guid> _busy = [];

    public RunMatchRoundCommandHandlerTests()
    {
        _presence.IsConnected(Arg.Any<Guid>()).Returns(true);
        _sessions.UsersInActiveSessionsAsync(Arg.Any<CancellationToken>()).Returns(_busy);
        _sessions.CommitMatchesAsync(Arg.Any<IReadOnlyList<(MatchPair, Session)>>(), Arg.Any<CancellationToken>())
            .Returns(call => call.Arg<IReadOnlyList<(MatchPair Pair, Session Session)>>().Select(m => m.Session).ToArray());
        _users.GetManyAsync(Arg.Any<IReadOnlyCollection<Guid>>(), Arg.Any<CancellationToken>())
            .Returns(call => _people.Where(p => call.Arg<IReadOnlyCollection<Guid>>().Contains(p.Id)).ToArray());
        _notifier.SendAsync(Arg.Any<Guid>(), Arg.Any<ServerMessage>()).Returns(true);
    }

    private User Person(string name, double level = 6.0)
    {
        var user = Fakes.User(username: name, level: level);
        _people.Add(user);
        return user;
    }

    private void Queued(params User[] users) =>
        _queue.ListActiveAsync(Arg.Any<CancellationToken>()).Returns(users
            .Select((u, i) => new QueueTicket(Guid.NewGuid(), u.Id, QueueMode.Roulette, u.Level, Fakes.Now.AddSeconds(i))).ToArray());

    private Task<MatchRoundReport> Run(bool requireConnection = true) =>
        new RunMatchRoundCommandHandler(_queue, _sessions, _users, _presence, _notifier, Fakes.ClockAt(Fakes.Now),
                Options.Create(new MatchmakingOptions { MatchRequiresConnection = requireConnection }), Fakes.SelfLevels, Fakes.Practice(),
                NullLogger<RunMatchRoundCommandHandler>.Instance)
            .Handle(new RunMatchRoundCommand(), default);

    [Fact]
    public async Task Handle_NotifiesTheCalleeBeforeTheInitiator()
    {
        var ann = Person("ann", 6.0);
        var bob = Person("bob", 7.5);
        Queued(ann, bob);

        var report = await Run();

        report.ShouldBe(new MatchRoundReport(2, 1, 1));
        Received.InOrder(() =>
        {
            _ = _notifier.SendAsync(bob.Id, Arg.Is<MatchedMessage>(m => m.Data.PartnerId == ann.Id && m.Data.PartnerUsername == "ann"
                && m.Data.PartnerLevel == 6.0 && !m.Data.IsInitiator));
            _ = _notifier.SendAsync(ann.Id, Arg.Is<MatchedMessage>(m => m.Data.PartnerId == bob.Id && m.Data.PartnerUsername == "bob"
                && m.Data.PartnerLevel == 7.5 && m.Data.IsInitiator));
        });
    }

    [Fact]
    public async Task Handle_BothUsersGetTheSameSessionAndRoom()
    {
        Queued(Person("ann"), Person("bob"));
        var sent = new List<MatchedMessage>();
        _ = _notifier.SendAsync(Arg.Any<Guid>(), Arg.Do<ServerMessage>(m => sent.Add((MatchedMessage)m)));

        await Run();

        sent.Count.ShouldBe(2);
        sent[0].Data.SessionId.ShouldBe(sent[1].Data.SessionId);
        sent[0].Data.RoomId.ShouldBe(sent[1].Data.RoomId);
        sent[0].Data.RoomId.ShouldMatch("^room_[0-9a-f]{12}$");
    }

    [Fact]
    public async Task Handle_NotifiesOnlyCommittedSessions()
    {
        var ann = Person("ann");
        var bob = Person("bob");
        var cid = Person("cid");
        var dan = Person("dan");
        Queued(ann, bob, cid, dan);
        _sessions.CommitMatchesAsync(Arg.Any<IReadOnlyList<(MatchPair, Session)>>(), Arg.Any<CancellationToken>())
            .Returns(call => call.Arg<IReadOnlyList<(MatchPair Pair, Session Session)>>()
                .Where(m => m.Pair.Initiator.UserId == cid.Id).Select(m => m.Session).ToArray());

        var report = await Run();

        report.ShouldBe(new MatchRoundReport(4, 2, 1));
        await _notifier.Received(1).SendAsync(cid.Id, Arg.Any<MatchedMessage>());
        await _notifier.Received(1).SendAsync(dan.Id, Arg.Any<MatchedMessage>());
        await _notifier.DidNotReceive().SendAsync(ann.Id, Arg.Any<ServerMessage>());
        await _notifier.DidNotReceive().SendAsync(bob.Id, Arg.Any<ServerMessage>());
    }

    [Fact]
    public async Task Handle_SkipsUsersInActiveSessions()
    {
        var ann = Person("ann");
        var bob = Person("bob");
        var cid = Person("cid");
        Queued(ann, bob, cid);
        _busy.Add(ann.Id);

        await Run();

        await _sessions.Received(1).CommitMatchesAsync(
            Arg.Is<IReadOnlyList<(MatchPair Pair, Session Session)>>(m => m.Count == 1
                && m[0].Session.User1Id == bob.Id && m[0].Session.User2Id == cid.Id),
            Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Handle_SkipsDisconnectedUsersWhenAConnectionIsRequired()
    {
        var ann = Person("ann");
        var bob = Person("bob");
        Queued(ann, bob);
        _presence.IsConnected(bob.Id).Returns(false);

        var report = await Run(requireConnection: true);

        report.ShouldBe(new MatchRoundReport(2, 0, 0));
        await _sessions.DidNotReceiveWithAnyArgs().CommitMatchesAsync(default!, default);
        await _notifier.DidNotReceiveWithAnyArgs().SendAsync(default, default!);
    }

    [Fact]
    public async Task Handle_MatchesDisconnectedUsersWhenNoConnectionIsRequired()
    {
        var ann = Person("ann");
        var bob = Person("bob");
        Queued(ann, bob);
        _presence.IsConnected(Arg.Any<Guid>()).Returns(false);

        var report = await Run(requireConnection: false);

        report.ShouldBe(new MatchRoundReport(2, 1, 1));
    }

    [Fact]
    public async Task Handle_DoesNothingWithFewerThanTwoTickets()
    {
        Queued(Person("ann"));

        (await Run()).ShouldBe(new MatchRoundReport(1, 0, 0));
        await _sessions.DidNotReceiveWithAnyArgs().UsersInActiveSessionsAsync(default);
    }
}
