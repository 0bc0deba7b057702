using MediatR;
using Microsoft.Extensions.Options;
using NSubstitute;
using Speaking.Application.Common;
using Speaking.Application.Queue;
using Speaking.Application.Realtime;
using Speaking.Domain.Common;
using Speaking.Domain.Matchmaking;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Application.Realtime;

/// <summary>Bringing the database in line with who is really connected, touching only what presence says is dead.</summary>
public class ReconcilePresenceCommandHandlerTests
{
    private static readonly DateTime Snapshot = Fakes.Now;
    private readonly RealtimeWorld _world = new();
    private readonly IQueueRepository _queue = Substitute.For<IQueueRepository>();
    private readonly IMediator _mediator = Substitute.For<IMediator>();
    private readonly IClock _clock = Substitute.For<IClock>();
    private readonly Guid _ann = Guid.NewGuid();
    private readonly Guid _bob = Guid.NewGuid();
    private readonly ConnectionRef _annConnection = Fakes.Connection(1);

    public ReconcilePresenceCommandHandlerTests()
    {
        // Each reading of the clock is a little later than the one before.
        _clock.UtcNow.Returns(Snapshot, Snapshot.AddMilliseconds(1), Snapshot.AddMilliseconds(2), Snapshot.AddMilliseconds(3));
        _world.Connect(_ann, _annConnection);
    }

    private Task<ReconcileReport> Reconcile(bool atStartup = false) =>
        new ReconcilePresenceCommandHandler(_world.Sessions, _world.Users, _queue, _world.Presence, _mediator, _clock,
                Options.Create(new RealtimeOptions { SessionReconnectGraceSeconds = 20 }))
            .Handle(new ReconcilePresenceCommand(atStartup), default);

    [Fact]
    public async Task Handle_ClosesEachDeadBoundConnectionOnce_AndLeavesLiveOnesAlone()
    {
        var dead = Fakes.Connection(2, node: "crashed");
        _world.Sessions.ListBoundAsync(Arg.Any<CancellationToken>()).Returns([(_ann, _annConnection), (_bob, dead), (_bob, dead)]);

        var report = await Reconcile();

        report.SessionsDetached.ShouldBe(1);
        await _mediator.Received(1).Send(new ConnectionClosedCommand(_bob, dead, WasLast: false), Arg.Any<CancellationToken>());
        await _mediator.DidNotReceive().Send(Arg.Is<ConnectionClosedCommand>(c => c.UserId == _ann), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Handle_AConnectionIsLiveOnlyForItsOwnUser()
    {
        _world.Sessions.ListBoundAsync(Arg.Any<CancellationToken>()).Returns([(_bob, _annConnection)]);

        (await Reconcile()).SessionsDetached.ShouldBe(1);
    }

    [Fact]
    public async Task Handle_GivesTheGraceToSidesHeldByNobodyAndWaitingForNothing()
    {
        _world.Sessions.StartMissingDeadlinesAsync(default, default).ReturnsForAnyArgs(3);

        (await Reconcile()).DeadlinesStarted.ShouldBe(3);

        await _world.Sessions.Received(1).StartMissingDeadlinesAsync(Arg.Is<DateTime>(d => d > Snapshot.AddSeconds(19) && d <= Snapshot.AddSeconds(21)),
            Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Handle_TakesOfflineOnlyUsersPresenceDoesNotList_UnlessSeenSinceTheSnapshot()
    {
        Guid cid = Guid.NewGuid(), dan = Guid.NewGuid();
        _world.Users.ListOnlineIdsAsync(Arg.Any<CancellationToken>()).Returns([_ann, cid, dan]);
        _world.Users.SetOfflineUnlessSeenSinceAsync(default!, default, default, default).ReturnsForAnyArgs([cid]); // dan came back meanwhile

        var report = await Reconcile();

        report.UsersOffline.ShouldBe(1);
        await _world.Users.Received(1).SetOfflineUnlessSeenSinceAsync(
            Arg.Is<IReadOnlyCollection<Guid>>(ids => ids.Order().SequenceEqual(new[] { cid, dan }.Order())), Snapshot,
            Arg.Is<DateTime>(now => now > Snapshot), Arg.Any<CancellationToken>());
        await _queue.Received(1).LeaveAsync(cid, Arg.Any<CancellationToken>());
        await _queue.DidNotReceive().LeaveAsync(dan, Arg.Any<CancellationToken>());
        await _queue.DidNotReceive().LeaveAsync(_ann, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Handle_WhenEveryoneMarkedOnlineIsLive_TouchesNobody()
    {
        _world.Users.ListOnlineIdsAsync(Arg.Any<CancellationToken>()).Returns([_ann]);

        (await Reconcile()).ShouldBe(new ReconcileReport(0, 0, 0));

        await _world.Users.DidNotReceiveWithAnyArgs().SetOfflineUnlessSeenSinceAsync(default!, default, default, default);
        await _queue.DidNotReceiveWithAnyArgs().LeaveAsync(default, default);
    }

    [Fact]
    public async Task Handle_AtStartup_ClosesTheTicketsOfUsersWithNoLiveConnection()
    {
        var eve = Guid.NewGuid();
        _queue.ListActiveAsync(Arg.Any<CancellationToken>()).Returns([Ticket(_ann, _annConnection), Ticket(eve, Fakes.Connection(5, node: "old"))]);

        await Reconcile(atStartup: true);

        await _queue.Received(1).LeaveAsync(eve, Arg.Any<CancellationToken>());
        await _queue.DidNotReceive().LeaveAsync(_ann, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Handle_OnALiveCluster_LeavesTicketsAlone()
    {
        var eve = Guid.NewGuid();
        _queue.ListActiveAsync(Arg.Any<CancellationToken>()).Returns([Ticket(eve, null)]);

        await Reconcile(atStartup: false);

        await _queue.DidNotReceiveWithAnyArgs().ListActiveAsync(default);
        await _queue.DidNotReceiveWithAnyArgs().LeaveAsync(default, default);
    }

    private static WaitingTicket Ticket(Guid user, ConnectionRef? connection) =>
        new(new QueueTicket(Guid.NewGuid(), user, QueueMode.Roulette, IeltsBand.From(6.0), Fakes.Now.AddMinutes(-1)), connection);
}
