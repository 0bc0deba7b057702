using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using Speaking.Application.Practice;
using Speaking.Domain.Common;
using Speaking.Domain.Sessions;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Application.Practice;

public class PracticeAssignmentTests
{
    private readonly IPracticeRepository _store = Substitute.For<IPracticeRepository>();
    private readonly Guid _ann = Guid.NewGuid();
    private readonly Guid _bob = Guid.NewGuid();

    public PracticeAssignmentTests() =>
        _store.AssignAsync(default!, default).ReturnsForAnyArgs(call => call.Arg<IReadOnlyList<PracticeAssignmentRecord>>());

    private PracticeAssignment Assignment() => new(_store, Fakes.Bank, Fakes.ClockAt(Fakes.Now), NullLogger<PracticeAssignment>.Instance);

    private Session NewSession() => Session.Start(Guid.NewGuid(), _ann, _bob, QueueMode.Roulette, "room_0123456789ab", Fakes.Now);

    [Fact]
    public async Task Assign_AvoidsTheCardsOfBothUsersLastSessions()
    {
        var cards = Fakes.Bank.Cards.Select(c => c.Id).ToArray();
        var annSaw = cards.Take(20).ToHashSet();
        var bobSaw = cards.Skip(20).Take(20).ToHashSet();
        _store.RecentCardsAsync(default!, default!, default, default).ReturnsForAnyArgs(new Dictionary<Guid, IReadOnlySet<string>>
        {
            [_ann] = annSaw, [_bob] = bobSaw,
        });
        var sessions = Enumerable.Range(0, 200).Select(_ => NewSession()).ToArray();

        var assigned = await Assignment().AssignAsync(sessions, default);

        assigned.Count.ShouldBe(200);
        assigned.Values.ShouldAllBe(p => !annSaw.Contains(p.Card.Id) && !bobSaw.Contains(p.Card.Id));
        assigned.Values.Select(p => p.Card.Id).Distinct().Count().ShouldBeGreaterThan(1);
        await _store.Received(1).RecentCardsAsync(Arg.Is<IReadOnlyCollection<Guid>>(u => u.Count == 2 && u.Contains(_ann) && u.Contains(_bob)),
            Arg.Is<IReadOnlyCollection<Guid>>(s => s.Count == 200), 20, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Assign_ReturnsWhatIsStored_SoAResentMatchKeepsItsCard()
    {
        var session = NewSession();
        var stored = new PracticeAssignmentRecord(session.Id, "card-007", 1, ["p1-sleep-1", "p1-sleep-2", "p1-sleep-4"], Fakes.Now.AddMinutes(-3));
        _store.RecentCardsAsync(default!, default!, default, default).ReturnsForAnyArgs(new Dictionary<Guid, IReadOnlySet<string>>());
        _store.AssignAsync(default!, default).ReturnsForAnyArgs([stored]);

        var payload = (await Assignment().AssignAsync([session], default))[session.Id];

        payload.Card.Id.ShouldBe("card-007");
        payload.Card.Topic.ShouldBe(Fakes.Bank.FindCard("card-007")!.Topic);
        payload.Part1Questions.Select(q => q.Id).ShouldBe(["p1-sleep-1", "p1-sleep-2", "p1-sleep-4"]);
    }

    [Fact]
    public async Task Assign_IsRepeatableForASession()
    {
        _store.RecentCardsAsync(default!, default!, default, default).ReturnsForAnyArgs(new Dictionary<Guid, IReadOnlySet<string>>());
        var session = NewSession();

        var first = (await Assignment().AssignAsync([session], default))[session.Id];
        var again = (await Assignment().AssignAsync([session], default))[session.Id];

        again.Card.ShouldBe(first.Card);
        again.Part1Questions.ShouldBe(first.Part1Questions);
    }

    [Fact]
    public async Task Assign_WhenTheStoreFails_GivesNothingInsteadOfFailingTheMatch()
    {
        _store.RecentCardsAsync(default!, default!, default, default).ThrowsAsyncForAnyArgs(new TimeoutException());

        (await Assignment().AssignAsync([NewSession()], default)).ShouldBeEmpty();
    }

    [Fact]
    public async Task ForSession_AssignsLateOnlyToAnActiveSession()
    {
        _store.RecentCardsAsync(default!, default!, default, default).ReturnsForAnyArgs(new Dictionary<Guid, IReadOnlySet<string>>());
        var active = NewSession();
        var ended = NewSession();
        ended.Complete(Fakes.Now.AddMinutes(10), _ann);

        (await Assignment().ForSessionAsync(active, default)).ShouldNotBeNull();
        (await Assignment().ForSessionAsync(ended, default)).ShouldBeNull();
    }
}
