using Microsoft.Extensions.Logging;
using NSubstitute;
using Speaking.Application.Practice;
using Speaking.Application.Realtime;
using Speaking.Application.Sessions;
using Speaking.Domain.Sessions;
using Speaking.Domain.Users;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Application.Sessions;

/// <summary>Amendment A-2: a side moves onto a new connection and the call restarts on both sides, callee first.</summary>
public class SessionResumptionTests
{
    private readonly RealtimeWorld _world = new();
    private readonly User _ann;
    private readonly User _bob;
    private readonly Session _session;
    private readonly ConnectionRef _annConnection = Fakes.Connection(1);
    private readonly ConnectionRef _bobConnection = Fakes.Connection(2, node: "b");
    private readonly ConnectionRef _reloaded = Fakes.Connection(10);

    public SessionResumptionTests()
    {
        _ann = _world.Person("ann", 6.0);
        _bob = _world.Person("bob", 7.5);
        _session = Fakes.ActiveSession(_ann.Id, _bob.Id);
        _world.Sessions.TryBindAsync(default, default, default, default, default).ReturnsForAnyArgs(true);
    }

    private Task<bool> Resume(Participation side) => _world.Resumption().ResumeAsync(side, _reloaded, default);

    private static string Describe(Delivery d) => $"{d.Connection} {d.Message.Type}";

    [Fact]
    public async Task Resume_TheCallee_GetsMatchedFirst_ThenTheInitiatorGetsSessionEndedAndMatched()
    {
        (await Resume(Fakes.Side(_session, _bob.Id, null, _annConnection))).ShouldBeTrue();

        _world.Deliveries.Sent.Select(Describe).ShouldBe([$"{_reloaded} matched", $"{_annConnection} session_ended", $"{_annConnection} matched"]);
    }

    [Fact]
    public async Task Resume_TheCallee_WithAHeadStart_SendsOnlyItsMatch_AndDefersTheInitiatorsRestart()
    {
        _world.CalleeResumeHeadStartMs = 3000;

        (await Resume(Fakes.Side(_session, _bob.Id, null, _annConnection))).ShouldBeTrue();

        _world.Deliveries.Sent.Select(Describe).ShouldBe([$"{_reloaded} matched"]);
        var restart = (RestartResumedPartnerCommand)_world.Deferred.ReceivedCalls().ShouldHaveSingleItem().GetArguments()[0]!;
        _world.Deferred.Received(1).Schedule(Arg.Any<RestartResumedPartnerCommand>(), TimeSpan.FromSeconds(3));
        (restart.Session.Id, restart.ResumedUserId, restart.ResumedConnection, restart.PartnerId, restart.PartnerConnection)
            .ShouldBe((_session.Id, _bob.Id, _reloaded, _ann.Id, _annConnection));
        restart.PartnerMatched.Data.IsInitiator.ShouldBeTrue();
    }

    [Fact]
    public async Task Resume_TheInitiator_IsNeverDeferred()
    {
        _world.CalleeResumeHeadStartMs = 3000;

        await Resume(Fakes.Side(_session, _ann.Id, null, _bobConnection));

        _world.Deliveries.Sent.Select(Describe).ShouldBe([$"{_bobConnection} session_ended", $"{_bobConnection} matched", $"{_reloaded} matched"]);
        _world.Deferred.ReceivedCalls().ShouldBeEmpty();
    }

    [Theory]
    [InlineData("as scheduled", true)]
    [InlineData("session ended", false)]
    [InlineData("callee left again", false)]
    [InlineData("initiator moved", false)]
    public async Task DeferredRestart_RestartsTheInitiator_OnlyWhileBothBindingsAreAsScheduled(string meanwhile, bool restarts)
    {
        _world.CalleeResumeHeadStartMs = 3000;
        await Resume(Fakes.Side(_session, _bob.Id, null, _annConnection));
        var restart = (RestartResumedPartnerCommand)_world.Deferred.ReceivedCalls().Single().GetArguments()[0]!;
        var before = _world.Deliveries.Sent.Count;
        Participation? initiatorNow = meanwhile switch
        {
            "as scheduled" => Fakes.Side(_session, _ann.Id, _annConnection, _reloaded),
            "callee left again" => Fakes.Side(_session, _ann.Id, _annConnection, null),
            "initiator moved" => Fakes.Side(_session, _ann.Id, Fakes.Connection(33), _reloaded),
            _ => null,
        };
        _world.Sessions.FindActiveForUserAsync(_ann.Id, Arg.Any<CancellationToken>()).Returns(initiatorNow);

        await new RestartResumedPartnerCommandHandler(_world.Sessions, _world.Resumption()).Handle(restart, default);

        _world.Deliveries.Sent.Skip(before).Select(Describe).ShouldBe(restarts ? [$"{_annConnection} session_ended", $"{_annConnection} matched"] : []);
    }

    [Fact]
    public async Task Resume_TheInitiator_TellsTheCalleeFirst_ThenGetsMatched()
    {
        (await Resume(Fakes.Side(_session, _ann.Id, null, _bobConnection))).ShouldBeTrue();

        _world.Deliveries.Sent.Select(Describe).ShouldBe([$"{_bobConnection} session_ended", $"{_bobConnection} matched", $"{_reloaded} matched"]);
    }

    [Fact]
    public async Task Resume_ThePartnersConnection_IsUnboundThenBoundToTheNewConnection()
    {
        await Resume(Fakes.Side(_session, _bob.Id, null, _annConnection));

        var toPartner = _world.Deliveries.To(_annConnection);
        toPartner[0].Change.ShouldBe(new BindingChange.Unbind(_session.Id));
        toPartner[0].Message.ShouldBeOfType<SessionEndedMessage>().Data.SessionId!.Value.GetString().ShouldBe(_session.Id.ToString());
        toPartner[1].Change.ShouldBe(new BindingChange.Bind(new SessionBinding(_session.Id, _ann.Id, _bob.Id, _reloaded)));
        _world.Deliveries.To(_reloaded).ShouldHaveSingleItem().Change
            .ShouldBe(new BindingChange.Bind(new SessionBinding(_session.Id, _bob.Id, _ann.Id, _annConnection)));
    }

    [Fact]
    public async Task Resume_SendsTheSameSessionRoomPartnerRoleAndCardAgain()
    {
        var card = Fakes.Bank.Cards[3];
        var store = Substitute.For<IPracticeRepository>();
        store.GetAssignmentAsync(_session.Id, Arg.Any<CancellationToken>()).Returns(new PracticeAssignmentRecord(_session.Id, card.Id, card.Version,
            Fakes.Bank.Part1Questions.Take(3).Select(q => q.Id).ToArray(), Fakes.Now.AddMinutes(-5)));
        _world.Practice = Fakes.Practice(store);

        await Resume(Fakes.Side(_session, _bob.Id, null, _annConnection));

        var mine = _world.Deliveries.To(_reloaded)[0].Message.ShouldBeOfType<MatchedMessage>().Data;
        var theirs = _world.Deliveries.To(_annConnection)[1].Message.ShouldBeOfType<MatchedMessage>().Data;
        (mine with { Practice = null }).ShouldBe(new MatchedData(_ann.Id, "ann", 6.0, _session.RoomId, _session.Id, IsInitiator: false));
        (theirs with { Practice = null }).ShouldBe(new MatchedData(_bob.Id, "bob", 7.5, _session.RoomId, _session.Id, IsInitiator: true));
        mine.Practice.ShouldNotBeNull().Card.Id.ShouldBe(card.Id);
        theirs.Practice.ShouldNotBeNull().Card.Id.ShouldBe(card.Id);
        await store.DidNotReceiveWithAnyArgs().AssignAsync(default!, default);
    }

    [Fact]
    public async Task Resume_TakesTheSideOnlyFromTheConnectionThatHeldIt()
    {
        var dead = Fakes.Connection(4);

        await Resume(Fakes.Side(_session, _bob.Id, dead, _annConnection));

        await _world.Sessions.Received(1).TryBindAsync(_session.Id, _bob.Id, _reloaded, dead, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Resume_WhileThePartnerIsAwayToo_OnlyTheUserIsTold()
    {
        (await Resume(Fakes.Side(_session, _ann.Id, null, null))).ShouldBeTrue();

        var only = _world.Deliveries.Sent.ShouldHaveSingleItem();
        only.Connection.ShouldBe(_reloaded);
        only.Change.ShouldBe(new BindingChange.Bind(new SessionBinding(_session.Id, _ann.Id, _bob.Id, null)));
    }

    [Fact]
    public async Task Resume_ThatLosesTheBind_SendsNothing()
    {
        _world.Sessions.TryBindAsync(default, default, default, default, default).ReturnsForAnyArgs(false);

        (await Resume(Fakes.Side(_session, _bob.Id, null, _annConnection))).ShouldBeFalse();

        _world.Deliveries.Sent.ShouldBeEmpty();
        await _world.Users.DidNotReceiveWithAnyArgs().GetManyAsync(default!, default);
        _session.IsActive.ShouldBeTrue();
    }

    [Fact]
    public async Task Resume_OfAUserWhoNoLongerExists_CancelsTheSessionAsResumeFailed_AndTellsThePartner()
    {
        var ghost = Guid.NewGuid();
        var session = Fakes.ActiveSession(_ann.Id, ghost);
        _world.Sessions.SaveEndAsync(session, Arg.Any<CancellationToken>()).Returns(new EndedSession(session, _annConnection, null));

        (await _world.Resumption().ResumeAsync(Fakes.Side(session, ghost, null, _annConnection), _reloaded, default)).ShouldBeFalse();

        (session.Status, session.EndReason, session.EndedAt).ShouldBe((SessionStatus.Cancelled, SessionEndReason.ResumeFailed, Fakes.Now));
        var told = _world.Deliveries.Sent.ShouldHaveSingleItem();
        (told.Connection, told.Change).ShouldBe(((ConnectionRef?)_annConnection, (BindingChange?)new BindingChange.Unbind(session.Id)));
        told.Message.ShouldBeOfType<SessionEndedMessage>();
        _world.Log.Entries.ShouldContain(e => e.Level == LogLevel.Warning && e.Message.Contains(session.Id.ToString()));
    }

    [Fact]
    public async Task Resume_WithAPartnerWhoNoLongerExists_EndsTheSessionAndSendsNoMatch()
    {
        var ghost = Guid.NewGuid();
        var session = Fakes.ActiveSession(ghost, _bob.Id);
        _world.Sessions.SaveEndAsync(session, Arg.Any<CancellationToken>()).Returns(new EndedSession(session, null, null));

        (await _world.Resumption().ResumeAsync(Fakes.Side(session, _bob.Id, null, null), _reloaded, default)).ShouldBeFalse();

        session.EndReason.ShouldBe(SessionEndReason.ResumeFailed);
        _world.Deliveries.Sent.ShouldBeEmpty();
    }
}
