using Microsoft.Extensions.Options;
using NSubstitute;
using Speaking.Application.Queue;
using Speaking.Application.Realtime;
using Speaking.Application.Sessions;
using Speaking.Domain.Sessions;
using Speaking.Domain.Users;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Application.Realtime;

/// <summary>Ann (the initiator) and Bob are in a call; Bob's side is held by his connection on node b.</summary>
public abstract class PresenceTestBase
{
    protected readonly RealtimeWorld World = new();
    protected readonly User Ann;
    protected readonly User Bob;
    protected readonly Session Session;
    protected readonly ConnectionRef BobConnection = Fakes.Connection(2, node: "b");

    protected PresenceTestBase()
    {
        Ann = World.Person("ann");
        Bob = World.Person("bob");
        Session = Fakes.ActiveSession(Ann.Id, Bob.Id);
        World.Connect(Bob.Id, BobConnection);
        World.Sessions.TryBindAsync(default, default, default, default, default).ReturnsForAnyArgs(true);
    }

    /// <summary>Ann's side as stored, held by <paramref name="connection"/>.</summary>
    protected Participation AnnsSide(ConnectionRef? connection) => Fakes.Side(Session, Ann.Id, connection, BobConnection);
}

public class ConnectionOpenedCommandHandlerTests : PresenceTestBase
{
    private readonly ConnectionRef _opened = Fakes.Connection(10);

    public ConnectionOpenedCommandHandlerTests() => World.Connect(Ann.Id, _opened);

    private Task Open() =>
        new ConnectionOpenedCommandHandler(World.Users, World.Sessions, World.Presence, World.Bindings, World.Resumption(), World.Clock)
            .Handle(new ConnectionOpenedCommand(Ann.Id, _opened), default);

    private void AnnIsIn(Participation side) => World.Sessions.FindActiveForUserAsync(Ann.Id, Arg.Any<CancellationToken>()).Returns(side);

    [Fact]
    public async Task Handle_MarksTheUserOnline()
    {
        await Open();

        await World.Users.Received(1).SetPresenceAsync(Ann.Id, true, Fakes.Now, Arg.Any<CancellationToken>());
        World.Deliveries.Sent.ShouldBeEmpty();
    }

    [Fact]
    public async Task Handle_TakesOverASessionHeldByNobody()
    {
        AnnIsIn(AnnsSide(null));

        await Open();

        await World.Sessions.Received(1).TryBindAsync(Session.Id, Ann.Id, _opened, null, Arg.Any<CancellationToken>());
        World.Deliveries.To(_opened).ShouldHaveSingleItem().Message.ShouldBeOfType<MatchedMessage>();
        World.Deliveries.To(BobConnection).Select(d => d.Message.Type).ShouldBe(["session_ended", "matched"]);
    }

    [Fact]
    public async Task Handle_TakesOverASessionHeldByAConnectionPresenceNoLongerLists()
    {
        var dead = Fakes.Connection(4, node: "crashed");
        AnnIsIn(AnnsSide(dead));

        await Open();

        await World.Sessions.Received(1).TryBindAsync(Session.Id, Ann.Id, _opened, dead, Arg.Any<CancellationToken>());
        World.Deliveries.To(_opened).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task Handle_TakesOverASessionHeldByALocalConnectionThatIsClosing_ThoughPresenceStillListsIt()
    {
        var closing = World.Connect(Ann.Id, Fakes.Connection(4));
        World.Bindings.IsGone(closing).Returns(true);
        AnnIsIn(AnnsSide(closing));

        await Open();

        await World.Sessions.Received(1).TryBindAsync(Session.Id, Ann.Id, _opened, closing, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Handle_LeavesASessionAlone_WhileTheConnectionHoldingItLives()
    {
        var firstTab = World.Connect(Ann.Id, Fakes.Connection(4));
        AnnIsIn(AnnsSide(firstTab));

        await Open();

        await World.Sessions.DidNotReceiveWithAnyArgs().TryBindAsync(default, default, default, default, default);
        World.Deliveries.Sent.ShouldBeEmpty();
    }
}

public class ConnectionClosedCommandHandlerTests : PresenceTestBase
{
    private readonly IQueueRepository _queue = Substitute.For<IQueueRepository>();
    private readonly ConnectionRef _closed = Fakes.Connection(1);

    private Task Close(bool wasLast, int graceSeconds = 20) =>
        new ConnectionClosedCommandHandler(World.Users, _queue, World.Sessions, World.Presence, World.Resumption(), World.Deadlines(), World.Clock,
                Options.Create(new RealtimeOptions { SessionReconnectGraceSeconds = graceSeconds }))
            .Handle(new ConnectionClosedCommand(Ann.Id, _closed, wasLast), default);

    private void Detaches(params Participation[] sides) =>
        World.Sessions.DetachAsync(_closed, Arg.Any<DateTime>(), Arg.Any<CancellationToken>()).Returns(sides);

    [Fact]
    public async Task Handle_TheLastConnection_TakesTheUserOfflineAndOutOfTheQueue()
    {
        await Close(wasLast: true);

        await World.Users.Received(1).SetPresenceAsync(Ann.Id, false, Fakes.Now, Arg.Any<CancellationToken>());
        await _queue.Received(1).LeaveAsync(Ann.Id, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Handle_AConnectionThatWasNotTheLast_LeavesPresenceAndQueueAlone()
    {
        await Close(wasLast: false);

        await World.Users.DidNotReceiveWithAnyArgs().SetPresenceAsync(default, default, default, default);
        await _queue.DidNotReceiveWithAnyArgs().LeaveAsync(default, default);
    }

    [Fact]
    public async Task Handle_UnbindsWhatTheConnectionHeld_WithTheReconnectDeadline()
    {
        await Close(wasLast: true, graceSeconds: 25);

        await World.Sessions.Received(1).DetachAsync(_closed, Fakes.Now.AddSeconds(25), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Handle_ASideWithNoOtherConnection_WaitsForTheGrace_AndNobodyIsTold()
    {
        Detaches(AnnsSide(_closed));

        await Close(wasLast: true);

        World.Deliveries.Sent.ShouldBeEmpty();
        await World.Sessions.DidNotReceiveWithAnyArgs().CancelOverdueAsync(default, default, default, default);
        Session.IsActive.ShouldBeTrue();
    }

    [Fact]
    public async Task Handle_ASideMovesAtOnce_ToAnotherLiveConnectionOfTheUser()
    {
        var otherTab = World.Connect(Ann.Id, Fakes.Connection(3));
        Detaches(AnnsSide(_closed));

        await Close(wasLast: false);

        await World.Sessions.Received(1).TryBindAsync(Session.Id, Ann.Id, otherTab, null, Arg.Any<CancellationToken>());
        World.Deliveries.To(otherTab).ShouldHaveSingleItem().Message.ShouldBeOfType<MatchedMessage>();
        World.Deliveries.To(BobConnection).Select(d => d.Message.Type).ShouldBe(["session_ended", "matched"]);
    }

    [Fact]
    public async Task Handle_EverySideTheConnectionHeld_IsHandled()
    {
        var otherTab = World.Connect(Ann.Id, Fakes.Connection(3));
        var cid = World.Person("cid");
        var second = Fakes.ActiveSession(cid.Id, Ann.Id);
        Detaches(AnnsSide(_closed), Fakes.Side(second, Ann.Id, _closed, null));

        await Close(wasLast: false);

        await World.Sessions.Received(1).TryBindAsync(Session.Id, Ann.Id, otherTab, null, Arg.Any<CancellationToken>());
        await World.Sessions.Received(1).TryBindAsync(second.Id, Ann.Id, otherTab, null, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Handle_WithNoGrace_TheSessionIsCancelledAtOnce_AndThePartnerTold()
    {
        Detaches(AnnsSide(_closed));
        World.Sessions.CancelOverdueAsync(Session.Id, Ann.Id, Fakes.Now, Arg.Any<CancellationToken>())
            .Returns(new EndedSession(Session, null, BobConnection));

        await Close(wasLast: true, graceSeconds: 0);

        await World.Sessions.Received(1).DetachAsync(_closed, Fakes.Now, Arg.Any<CancellationToken>());
        var told = World.Deliveries.Sent.ShouldHaveSingleItem();
        (told.Connection, told.Change).ShouldBe(((ConnectionRef?)BobConnection, (BindingChange?)new BindingChange.Unbind(Session.Id)));
    }

    [Fact]
    public async Task Handle_WithNoGrace_AnotherLiveConnectionStillTakesTheSessionOver()
    {
        var otherTab = World.Connect(Ann.Id, Fakes.Connection(3));
        Detaches(AnnsSide(_closed));

        await Close(wasLast: false, graceSeconds: 0);

        await World.Sessions.DidNotReceiveWithAnyArgs().CancelOverdueAsync(default, default, default, default);
        World.Deliveries.To(otherTab).ShouldHaveSingleItem();
    }
}
