using Microsoft.Extensions.Logging;
using NSubstitute;
using Speaking.Application.Realtime;
using Speaking.Application.Sessions;
using Speaking.Domain.Sessions;
using Speaking.Domain.Users;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Application.Sessions;

/// <summary>D-15, A-3: a side whose reconnect grace ran out is resumed on a live connection, or its session is cancelled once.</summary>
public class ReconnectDeadlinesTests
{
    private readonly RealtimeWorld _world = new();
    private readonly User _ann;
    private readonly User _bob;
    private readonly Session _session;
    private readonly ConnectionRef _bobConnection = Fakes.Connection(2, node: "b");
    private readonly Participation _annAway;

    public ReconnectDeadlinesTests()
    {
        _ann = _world.Person("ann");
        _bob = _world.Person("bob");
        _session = Fakes.ActiveSession(_ann.Id, _bob.Id);
        _annAway = Fakes.Side(_session, _ann.Id, null, _bobConnection, Fakes.Now.AddSeconds(-1));
        _world.Sessions.ListOverdueAsync(Fakes.Now, Arg.Any<CancellationToken>()).Returns([_annAway]);
    }

    private void CancelWins(Session session, ConnectionRef? partnerConnection)
    {
        var ended = Session.Restore(session.Id, session.User1Id, session.User2Id, session.Mode, session.RoomId, SessionStatus.Cancelled,
            session.StartedAt, Fakes.Now, SessionEndReason.NoReconnect);
        _world.Sessions.CancelOverdueAsync(session.Id, Arg.Any<Guid>(), Fakes.Now, Arg.Any<CancellationToken>())
            .Returns(new EndedSession(ended, null, partnerConnection));
    }

    private Task<int> ExpireDue() => _world.Deadlines().ExpireDueAsync(Fakes.Now, default);

    [Fact]
    public async Task ExpireDue_CancelsTheSessionOfASideThatDidNotComeBack_AndTellsThePartnersConnection()
    {
        CancelWins(_session, _bobConnection);

        (await ExpireDue()).ShouldBe(1);

        await _world.Sessions.Received(1).CancelOverdueAsync(_session.Id, _ann.Id, Fakes.Now, Arg.Any<CancellationToken>());
        var told = _world.Deliveries.Sent.ShouldHaveSingleItem();
        (told.Connection, told.Change).ShouldBe(((ConnectionRef?)_bobConnection, (BindingChange?)new BindingChange.Unbind(_session.Id)));
        told.Message.ShouldBeOfType<SessionEndedMessage>().Data.SessionId!.Value.GetString().ShouldBe(_session.Id.ToString());
        _world.Log.Entries.ShouldContain(e => e.Level == LogLevel.Information && e.Message.Contains(_session.Id.ToString()));
    }

    [Fact]
    public async Task ExpireDue_ResumesASideWhoseUserHasALiveConnectionAfterAll_InsteadOfCancelling()
    {
        var live = _world.Connect(_ann.Id, Fakes.Connection(7));
        _world.Sessions.TryBindAsync(_session.Id, _ann.Id, live, null, Arg.Any<CancellationToken>()).Returns(true);

        (await ExpireDue()).ShouldBe(0);

        await _world.Sessions.DidNotReceiveWithAnyArgs().CancelOverdueAsync(default, default, default, default);
        _world.Deliveries.To(live).ShouldHaveSingleItem().Message.ShouldBeOfType<MatchedMessage>();
    }

    [Fact]
    public async Task ExpireDue_CancelsWhenTheLiveConnectionCouldNotTakeTheSideOver()
    {
        var live = _world.Connect(_ann.Id, Fakes.Connection(7));
        CancelWins(_session, _bobConnection);

        (await ExpireDue()).ShouldBe(1);

        _world.Deliveries.To(live).ShouldBeEmpty();
        _world.Deliveries.To(_bobConnection).ShouldHaveSingleItem().Message.ShouldBeOfType<SessionEndedMessage>();
    }

    [Fact]
    public async Task ExpireDue_DoesNothing_WhenSomebodyElseWonTheCancel()
    {
        (await ExpireDue()).ShouldBe(0);

        _world.Deliveries.Sent.ShouldBeEmpty();
        _world.Log.Entries.ShouldBeEmpty();
    }

    [Fact]
    public async Task ExpireDue_APartnerAwayToo_IsNotTold_ButTheSessionIsStillCancelled()
    {
        CancelWins(_session, null);

        (await ExpireDue()).ShouldBe(1);

        _world.Deliveries.Sent.ShouldBeEmpty();
    }

    [Fact]
    public async Task ExpireDue_CountsOnlyTheSessionsItCancelled()
    {
        var cid = _world.Person("cid");
        var dan = _world.Person("dan");
        var other = Fakes.ActiveSession(cid.Id, dan.Id);
        var third = Fakes.ActiveSession(_world.Person("eve").Id, _world.Person("fay").Id);
        _world.Sessions.ListOverdueAsync(Fakes.Now, Arg.Any<CancellationToken>()).Returns([
            _annAway, Fakes.Side(other, dan.Id, null, Fakes.Connection(3)), Fakes.Side(third, third.User1Id, null, null),
        ]);
        CancelWins(_session, _bobConnection);
        CancelWins(third, null);

        (await ExpireDue()).ShouldBe(2);

        await _world.Sessions.Received(1).CancelOverdueAsync(other.Id, dan.Id, Fakes.Now, Arg.Any<CancellationToken>());
    }
}
