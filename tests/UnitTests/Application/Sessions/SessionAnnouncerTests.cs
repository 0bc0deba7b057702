using Microsoft.Extensions.Logging;
using NSubstitute;
using Speaking.Application.Practice;
using Speaking.Application.Realtime;
using Speaking.Application.Sessions;
using Speaking.Domain.Sessions;
using Speaking.Domain.Users;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Application.Sessions;

public class SessionAnnouncerTests
{
    private readonly RealtimeWorld _world = new();
    private readonly User _ann;
    private readonly User _bob;
    private readonly Session _session;
    private readonly ConnectionRef _annConnection = Fakes.Connection(1);
    private readonly ConnectionRef _bobConnection = Fakes.Connection(2, node: "b");

    public SessionAnnouncerTests()
    {
        _ann = _world.Person("ann", 6.0);
        _bob = _world.Person("bob", 7.5);
        _session = Fakes.ActiveSession(_ann.Id, _bob.Id);
    }

    private Task Announce(params SessionStart[] started) => _world.Announcer().AnnounceAsync(started, default);

    private static MatchedData Matched(Delivery delivery) => delivery.Message.ShouldBeOfType<MatchedMessage>().Data;

    [Fact]
    public async Task Announce_TellsTheCalleeFirst_ThenTheInitiator_OnTheConnectionsTheirCallsBelongTo()
    {
        await Announce(new SessionStart(_session, _annConnection, _bobConnection));

        var sent = _world.Deliveries.Sent;
        sent.Select(d => d.Connection).ShouldBe([_bobConnection, _annConnection]);
        (Matched(sent[0]) with { Practice = null }).ShouldBe(new MatchedData(_ann.Id, "ann", 6.0, _session.RoomId, _session.Id, IsInitiator: false));
        (Matched(sent[1]) with { Practice = null }).ShouldBe(new MatchedData(_bob.Id, "bob", 7.5, _session.RoomId, _session.Id, IsInitiator: true));
        sent.ShouldAllBe(d => d.OnlyInSession == null);
    }

    [Fact]
    public async Task Announce_BindsEachConnection_ToTheSessionAndThePartnersConnection()
    {
        await Announce(new SessionStart(_session, _annConnection, _bobConnection));

        _world.Deliveries.To(_bobConnection).ShouldHaveSingleItem().Change
            .ShouldBe(new BindingChange.Bind(new SessionBinding(_session.Id, _bob.Id, _ann.Id, _annConnection)));
        _world.Deliveries.To(_annConnection).ShouldHaveSingleItem().Change
            .ShouldBe(new BindingChange.Bind(new SessionBinding(_session.Id, _ann.Id, _bob.Id, _bobConnection)));
    }

    [Fact]
    public async Task Announce_ASideWithoutAConnectionGetsNothing_AndItsPartnerIsBoundToNobody()
    {
        await Announce(new SessionStart(_session, null, _bobConnection));

        var only = _world.Deliveries.Sent.ShouldHaveSingleItem();
        only.Connection.ShouldBe(_bobConnection);
        only.Change.ShouldBe(new BindingChange.Bind(new SessionBinding(_session.Id, _bob.Id, _ann.Id, null)));
    }

    [Fact]
    public async Task Announce_PartnerLevelIsTheEffectiveLevel()
    {
        var levels = Substitute.For<IEffectiveLevel>();
        levels.OfAsync(default!, default).ReturnsForAnyArgs(new Dictionary<Guid, double> { [_ann.Id] = 8.0, [_bob.Id] = 5.5 });
        _world.Levels = levels;

        await Announce(new SessionStart(_session, _annConnection, _bobConnection));

        Matched(_world.Deliveries.To(_bobConnection)[0]).PartnerLevel.ShouldBe(8.0);
        Matched(_world.Deliveries.To(_annConnection)[0]).PartnerLevel.ShouldBe(5.5);
    }

    [Fact]
    public async Task Announce_BothSidesGetTheCardAssignedToTheirSession()
    {
        var store = Substitute.For<IPracticeRepository>();
        store.RecentCardsAsync(default!, default!, default, default).ReturnsForAnyArgs(new Dictionary<Guid, IReadOnlySet<string>>());
        var assigned = new List<PracticeAssignmentRecord>();
        store.AssignAsync(default!, default).ReturnsForAnyArgs(call =>
        {
            assigned.AddRange(call.Arg<IReadOnlyList<PracticeAssignmentRecord>>());
            return call.Arg<IReadOnlyList<PracticeAssignmentRecord>>();
        });
        _world.Practice = Fakes.Practice(store);
        var cid = _world.Person("cid");
        var dan = _world.Person("dan");
        var other = Fakes.ActiveSession(cid.Id, dan.Id);

        await Announce(new SessionStart(_session, _annConnection, _bobConnection),
            new SessionStart(other, Fakes.Connection(3), Fakes.Connection(4)));

        assigned.Select(a => a.SessionId).ShouldBe([_session.Id, other.Id], ignoreOrder: true);
        foreach (var delivery in _world.Deliveries.Sent)
        {
            var data = Matched(delivery);
            var record = assigned.Single(a => a.SessionId == data.SessionId);
            data.Practice.ShouldNotBeNull().Card.Id.ShouldBe(record.CardId);
            data.Practice.Part1Questions.Select(q => q.Id).ShouldBe(record.Part1QuestionIds);
        }
    }

    [Fact]
    public async Task Announce_SeveralSessions_EachCalleeBeforeItsInitiator()
    {
        var cid = _world.Person("cid");
        var dan = _world.Person("dan");
        var other = Fakes.ActiveSession(cid.Id, dan.Id);
        ConnectionRef cidConnection = Fakes.Connection(3), danConnection = Fakes.Connection(4);

        await Announce(new SessionStart(_session, _annConnection, _bobConnection), new SessionStart(other, cidConnection, danConnection));

        _world.Deliveries.Sent.Select(d => d.Connection).ShouldBe([_bobConnection, _annConnection, danConnection, cidConnection]);
    }

    [Fact]
    public async Task Announce_SkipsASessionWhoseParticipantNoLongerExists_WithAWarning_AndAnnouncesTheRest()
    {
        var ghost = Fakes.ActiveSession(_ann.Id, Guid.NewGuid());
        var cid = _world.Person("cid");
        var dan = _world.Person("dan");
        var other = Fakes.ActiveSession(cid.Id, dan.Id);

        await Announce(new SessionStart(ghost, _annConnection, Fakes.Connection(9)), new SessionStart(other, Fakes.Connection(3), Fakes.Connection(4)));

        _world.Deliveries.Sent.Select(d => Matched(d).SessionId).ShouldBe([other.Id, other.Id]);
        var warning = _world.Log.Entries.ShouldHaveSingleItem();
        warning.Level.ShouldBe(LogLevel.Warning);
        warning.Message.ShouldContain(ghost.Id.ToString());
    }

    [Fact]
    public async Task Announce_NothingStarted_LooksNothingUp()
    {
        await Announce();

        await _world.Users.DidNotReceiveWithAnyArgs().GetManyAsync(default!, default);
        _world.Deliveries.Sent.ShouldBeEmpty();
    }
}
