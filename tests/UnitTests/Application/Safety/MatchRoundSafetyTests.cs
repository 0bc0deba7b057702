using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NSubstitute;
using Speaking.Application.Queue;
using Speaking.Application.Realtime;
using Speaking.Application.Safety;
using Speaking.Application.Sessions;
using Speaking.Application.Users;
using Speaking.Domain.Common;
using Speaking.Domain.Matchmaking;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Application.Safety;

/// <summary>The round never pairs a blocked pair and never a suspended user, whatever the pairing function proposes.</summary>
public class MatchRoundSafetyTests
{
    private static readonly Guid A = Guid.NewGuid(), B = Guid.NewGuid(), C = Guid.NewGuid(), D = Guid.NewGuid(), E = Guid.NewGuid();

    private static QueueTicket Roulette(Guid user, int second) =>
        new(Guid.NewGuid(), user, QueueMode.Roulette, IeltsBand.From(6), Fakes.Now.AddSeconds(second));

    private static QueueTicket Level(Guid user, double level, int second) =>
        new(Guid.NewGuid(), user, QueueMode.LevelFilter, IeltsBand.From(level), Fakes.Now.AddSeconds(second));

    private static HashSet<UserPair> Blocked(params (Guid, Guid)[] pairs) => pairs.Select(p => new UserPair(p.Item1, p.Item2)).ToHashSet();

    private static (Guid, Guid)[] Users(IEnumerable<MatchPair> pairs) => pairs.Select(p => (p.Initiator.UserId, p.Callee.UserId)).ToArray();

    [Fact]
    public void WithoutBlocks_ItIsExactlyThePairingFunction()
    {
        QueueTicket[] tickets = [Roulette(A, 0), Roulette(B, 1), Roulette(C, 2), Roulette(D, 3), Level(E, 6, 4)];

        Users(RunMatchRoundCommandHandler.PairAvoidingBlocks(tickets, _ => true, Blocked()))
            .ShouldBe(Users(Pairing.Pair(tickets).Pairs));
    }

    [Fact]
    public void ABlockedFirstAndSecond_DoNotStarveTheThird()
    {
        // Join order pairs the 1st with the 2nd; they block each other, so the 1st pairs with the 3rd and the 2nd waits.
        Users(RunMatchRoundCommandHandler.PairAvoidingBlocks([Roulette(A, 0), Roulette(B, 1), Roulette(C, 2)], _ => true, Blocked((B, A))))
            .ShouldBe([(A, C)]);
    }

    [Fact]
    public void TheOneWhoSatOut_PairsWithTheLeftovers()
    {
        Users(RunMatchRoundCommandHandler.PairAvoidingBlocks([Roulette(A, 0), Roulette(B, 1), Roulette(C, 2), Roulette(D, 3), Roulette(E, 4)],
            _ => true, Blocked((A, B)))).ShouldBe([(A, C), (D, E)]);
        Users(RunMatchRoundCommandHandler.PairAvoidingBlocks([Roulette(A, 0), Roulette(B, 1), Roulette(C, 2), Roulette(D, 3)],
            _ => true, Blocked((A, B)))).ShouldBe([(A, C), (B, D)]);
    }

    [Fact]
    public void TwoUsersWhoBlockEachOther_AloneInTheQueue_StayWaiting() =>
        RunMatchRoundCommandHandler.PairAvoidingBlocks([Roulette(A, 0), Roulette(B, 1)], _ => true, Blocked((A, B))).ShouldBeEmpty();

    [Fact]
    public void InTheLevelFilter_ABlockedNeighbourIsSkipped()
    {
        Users(RunMatchRoundCommandHandler.PairAvoidingBlocks([Level(A, 6.0, 0), Level(B, 6.0, 1), Level(C, 6.5, 2)], _ => true, Blocked((A, B))))
            .ShouldBe([(A, C)]);
    }

    [Fact]
    public void EveryoneBlockingEveryone_PairsNobody_AndTheLoopEnds()
    {
        Guid[] users = [A, B, C, D, E];
        var all = users.SelectMany(x => users.Where(y => y != x).Select(y => new UserPair(x, y))).ToHashSet();

        RunMatchRoundCommandHandler.PairAvoidingBlocks(users.Select((u, i) => Roulette(u, i)).ToArray(), _ => true, all).ShouldBeEmpty();
    }

    [Fact]
    public async Task TheRound_ProposesNoBlockedPair_AndNoSuspendedUser()
    {
        var queue = Substitute.For<IQueueRepository>();
        var sessions = Substitute.For<ISessionRepository>();
        var presence = Substitute.For<IPresence>();
        var restrictions = Substitute.For<IMatchRestrictions>();
        var users = Substitute.For<IUserRepository>();
        var tickets = new[] { Roulette(A, 0), Roulette(B, 1), Roulette(C, 2), Roulette(D, 3), Roulette(E, 4) };
        queue.ListActiveAsync(default).ReturnsForAnyArgs(tickets.Select(t => new WaitingTicket(t, null)).ToArray());
        sessions.UsersInActiveSessionsAsync(default).ReturnsForAnyArgs(new HashSet<Guid>());
        presence.OnlineAmongAsync(default!).ReturnsForAnyArgs(call => call.Arg<IReadOnlyCollection<Guid>>().ToHashSet());
        restrictions.SuspendedAmongAsync(default!, default, default).ReturnsForAnyArgs(new HashSet<Guid> { C });
        restrictions.BlockedPairsAmongAsync(default!, default).ReturnsForAnyArgs(Blocked((A, B)));
        IReadOnlyList<SessionStart>? proposed = null;
        sessions.StartMatchedAsync(default!, default, default).ReturnsForAnyArgs(call =>
        {
            proposed = call.Arg<IReadOnlyList<SessionStart>>();
            return proposed;
        });
        users.GetManyAsync(default!, default).ReturnsForAnyArgs([]);
        var announcer = new SessionAnnouncer(users, Substitute.For<IRealtimeNotifier>(), Fakes.SelfLevels, Fakes.Practice(),
            NullLogger<SessionAnnouncer>.Instance);

        var report = await new RunMatchRoundCommandHandler(queue, sessions, presence, restrictions, announcer, Fakes.ClockAt(Fakes.Now),
                Options.Create(new MatchmakingOptions()), Options.Create(new RealtimeOptions()))
            .Handle(new RunMatchRoundCommand(), default);

        proposed.ShouldNotBeNull().Select(s => (s.Session.User1Id, s.Session.User2Id)).ShouldBe([(A, D), (B, E)]);
        report.Committed.ShouldBe(2);
        await restrictions.Received(1).SuspendedAmongAsync(Arg.Is<IReadOnlyCollection<Guid>>(u => u.Count == 5), Fakes.Now, Arg.Any<CancellationToken>());
    }
}
