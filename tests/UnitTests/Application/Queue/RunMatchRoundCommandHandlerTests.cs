using Microsoft.Extensions.Options;
using NSubstitute;
using Speaking.Application.Queue;
using Speaking.Application.Realtime;
using Speaking.Application.Safety;
using Speaking.Application.Sessions;
using Speaking.Domain.Common;
using Speaking.Domain.Matchmaking;
using Speaking.Domain.Users;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Application.Queue;

public class RunMatchRoundCommandHandlerTests
{
    private readonly RealtimeWorld _world = new();
    private readonly IQueueRepository _queue = Substitute.For<IQueueRepository>();
    private readonly IMatchRestrictions _restrictions = Substitute.For<IMatchRestrictions>();
    private readonly HashSet<Guid> _busy = [];
    private readonly List<WaitingTicket> _waiting = [];
    private IReadOnlyList<SessionStart>? _proposed;
    private DateTime? _deadline;
    private Func<SessionStart, bool> _wins = _ => true;

    public RunMatchRoundCommandHandlerTests()
    {
        _queue.ListActiveAsync(Arg.Any<CancellationToken>()).Returns(_ => _waiting.ToArray());
        _world.Sessions.UsersInActiveSessionsAsync(Arg.Any<CancellationToken>()).Returns(_busy);
        // Nobody suspended, no blocks, no recent sessions (MatchRoundSafetyTests covers those).
        _restrictions.SuspendedAmongAsync(default!, default, default).ReturnsForAnyArgs(new HashSet<Guid>());
        _restrictions.BlockedPairsAmongAsync(default!, default).ReturnsForAnyArgs(new HashSet<UserPair>());
        _restrictions.RecentPairsAmongAsync(default!, default, default).ReturnsForAnyArgs(new HashSet<UserPair>());
        // StartMatchedAsync starts the proposed sessions that pass _wins (the others lost a race).
        _world.Sessions.StartMatchedAsync(default!, default, default).ReturnsForAnyArgs(call =>
        {
            _proposed = call.Arg<IReadOnlyList<SessionStart>>();
            _deadline = call.Arg<DateTime>();
            return _proposed.Where(_wins).ToArray();
        });
    }

    /// <summary>A user with a live connection who queued from it (roulette, one second after the one before).</summary>
    private (User User, ConnectionRef Connection) Queued(string name, bool live = true)
    {
        var user = _world.Person(name);
        var connection = Fakes.Connection(_waiting.Count + 1);
        if (live) _world.Connect(user.Id, connection);
        Enqueue(user, connection);
        return (user, connection);
    }

    private WaitingTicket Enqueue(User user, ConnectionRef? from)
    {
        var ticket = new WaitingTicket(new QueueTicket(Guid.NewGuid(), user.Id, QueueMode.Roulette, IeltsBand.From(user.CurrentLevel),
            Fakes.Now.AddSeconds(_waiting.Count - 60)), from);
        _waiting.Add(ticket);
        return ticket;
    }

    private Task<MatchRoundReport> Run(bool requireConnection = true) =>
        new RunMatchRoundCommandHandler(_queue, _world.Sessions, _world.Presence, _restrictions, _world.Announcer(), _world.Clock,
                Options.Create(new MatchmakingOptions { MatchRequiresConnection = requireConnection }),
                Options.Create(new RealtimeOptions { SessionReconnectGraceSeconds = 20 }))
            .Handle(new RunMatchRoundCommand(), default);

    [Fact]
    public async Task Handle_DoesNothingWithFewerThanTwoTickets()
    {
        Queued("ann");

        (await Run()).ShouldBe(new MatchRoundReport(1, 0, 0));
        await _world.Sessions.DidNotReceiveWithAnyArgs().UsersInActiveSessionsAsync(default);
    }

    [Fact]
    public async Task Handle_StartsThePair_WithTheEarlierAsInitiator_BoundToTheConnectionsThatQueued()
    {
        var (ann, annConnection) = Queued("ann");
        var (bob, bobConnection) = Queued("bob");

        (await Run()).ShouldBe(new MatchRoundReport(2, 1, 1));

        var start = _proposed.ShouldNotBeNull().ShouldHaveSingleItem();
        (start.Session.User1Id, start.Session.User2Id, start.Session.Mode, start.Session.StartedAt).ShouldBe((ann.Id, bob.Id, QueueMode.Roulette, Fakes.Now));
        start.Session.RoomId.ShouldMatch("^room_[0-9a-f]{12}$");
        (start.InitiatorConnection, start.CalleeConnection).ShouldBe(((ConnectionRef?)annConnection, (ConnectionRef?)bobConnection));
        (start.InitiatorTicket, start.CalleeTicket).ShouldBe(((Guid?)_waiting[0].Ticket.Id, (Guid?)_waiting[1].Ticket.Id));
        _deadline.ShouldBe(Fakes.Now.AddSeconds(20));
        _world.Deliveries.Sent.Select(d => d.Connection).ShouldBe([bobConnection, annConnection]);
    }

    [Fact]
    public async Task Handle_LeavesUsersInAnActiveSessionWaiting()
    {
        var (ann, _) = Queued("ann");
        var (bob, _) = Queued("bob");
        var (cid, _) = Queued("cid");
        _busy.Add(ann.Id);

        await Run();

        var start = _proposed.ShouldNotBeNull().ShouldHaveSingleItem();
        (start.Session.User1Id, start.Session.User2Id).ShouldBe((bob.Id, cid.Id));
    }

    [Fact]
    public async Task Handle_LeavesUsersWithoutALiveConnectionWaiting_WhenAConnectionIsRequired()
    {
        Queued("ann");
        Queued("bob", live: false);

        (await Run(requireConnection: true)).ShouldBe(new MatchRoundReport(2, 0, 0));

        await _world.Sessions.DidNotReceiveWithAnyArgs().StartMatchedAsync(default!, default, default);
        _world.Deliveries.Sent.ShouldBeEmpty();
    }

    [Fact]
    public async Task Handle_MatchesUsersWithoutAConnection_WhenNoneIsRequired_AndTheirSidesBelongToNobody()
    {
        Queued("ann", live: false);
        Queued("bob", live: false);

        (await Run(requireConnection: false)).ShouldBe(new MatchRoundReport(2, 1, 1));

        var start = _proposed.ShouldNotBeNull().ShouldHaveSingleItem();
        (start.InitiatorConnection, start.CalleeConnection).ShouldBe((null, null));
        _world.Deliveries.Sent.ShouldBeEmpty();
    }

    [Fact]
    public async Task Handle_ACallBelongsToTheUsersNewestConnection_WhenTheOneThatQueuedIsGone()
    {
        var (ann, _) = Queued("ann", live: false);
        var newest = _world.Connect(ann.Id, Fakes.Connection(40));
        Queued("bob");

        await Run();

        _proposed.ShouldNotBeNull().ShouldHaveSingleItem().InitiatorConnection.ShouldBe(newest);
    }

    [Fact]
    public async Task Handle_ARestJoin_BelongsToTheUsersNewestConnection()
    {
        var ann = _world.Person("ann");
        _world.Connect(ann.Id, Fakes.Connection(40));
        var newest = _world.Connect(ann.Id, Fakes.Connection(41));
        Enqueue(ann, from: null);
        Queued("bob");

        await Run();

        _proposed.ShouldNotBeNull().ShouldHaveSingleItem().InitiatorConnection.ShouldBe(newest);
    }

    [Fact]
    public async Task Handle_TheConnectionThatQueued_WinsOverANewerOne_WhileItLives()
    {
        var (ann, queuedFrom) = Queued("ann");
        _world.Connect(ann.Id, Fakes.Connection(40));
        Queued("bob");

        await Run();

        _proposed.ShouldNotBeNull().ShouldHaveSingleItem().InitiatorConnection.ShouldBe(queuedFrom);
    }

    [Fact]
    public async Task Handle_AnnouncesOnlyTheSessionsThatStarted()
    {
        var (_, annConnection) = Queued("ann");
        var (_, bobConnection) = Queued("bob");
        var (cid, cidConnection) = Queued("cid");
        var (_, danConnection) = Queued("dan");
        _wins = start => start.Session.User1Id == cid.Id;

        (await Run()).ShouldBe(new MatchRoundReport(4, 2, 1));

        _world.Deliveries.Sent.Select(d => d.Connection).ShouldBe([danConnection, cidConnection]);
        _world.Deliveries.To(annConnection).ShouldBeEmpty();
        _world.Deliveries.To(bobConnection).ShouldBeEmpty();
    }
}
