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

/// <summary>
/// The round hands the safety and fairness reads to the pairing function (A-5, issue 17): it never proposes a blocked
/// pair or a suspended user, pairs recent partners only as a last resort within the configured cooldown, and widens
/// opted-in level-filter tickets after the configured delay. (The rules themselves: <c>PairingTests</c>.)
/// </summary>
public class MatchRoundSafetyTests
{
    private static readonly Guid A = Guid.NewGuid(), B = Guid.NewGuid(), C = Guid.NewGuid(), D = Guid.NewGuid(), E = Guid.NewGuid();

    private readonly IQueueRepository _queue = Substitute.For<IQueueRepository>();
    private readonly ISessionRepository _sessions = Substitute.For<ISessionRepository>();
    private readonly IPresence _presence = Substitute.For<IPresence>();
    private readonly IMatchRestrictions _restrictions = Substitute.For<IMatchRestrictions>();
    private readonly MatchmakingOptions _options = new();
    private IReadOnlyList<SessionStart>? _proposed;

    public MatchRoundSafetyTests()
    {
        _sessions.UsersInActiveSessionsAsync(default).ReturnsForAnyArgs(new HashSet<Guid>());
        _presence.OnlineAmongAsync(default!).ReturnsForAnyArgs(call => call.Arg<IReadOnlyCollection<Guid>>().ToHashSet());
        Suspended();
        Blocked();
        Recent();
        _sessions.StartMatchedAsync(default!, default, default).ReturnsForAnyArgs(call =>
        {
            _proposed = call.Arg<IReadOnlyList<SessionStart>>();
            return _proposed;
        });
    }

    /// <summary>A roulette ticket that joined <paramref name="second"/> seconds after <see cref="Fakes.Now"/> minus a minute.</summary>
    private static QueueTicket Roulette(Guid user, int second) =>
        new(Guid.NewGuid(), user, QueueMode.Roulette, IeltsBand.From(6), Fakes.Now.AddSeconds(second - 60));

    private static QueueTicket Level(Guid user, double level, int second, bool widen = false) =>
        new(Guid.NewGuid(), user, QueueMode.LevelFilter, IeltsBand.From(level), Fakes.Now.AddSeconds(second - 60), widen);

    private void Suspended(params Guid[] users) =>
        _restrictions.SuspendedAmongAsync(default!, default, default).ReturnsForAnyArgs(users.ToHashSet());

    private void Blocked(params (Guid, Guid)[] pairs) =>
        _restrictions.BlockedPairsAmongAsync(default!, default).ReturnsForAnyArgs(pairs.Select(p => new UserPair(p.Item1, p.Item2)).ToHashSet());

    private void Recent(params (Guid, Guid)[] pairs) =>
        _restrictions.RecentPairsAmongAsync(default!, default, default).ReturnsForAnyArgs(pairs.Select(p => new UserPair(p.Item1, p.Item2)).ToHashSet());

    /// <summary>Runs one round over the tickets; the pairs it proposed, initiator first (none when it proposed nothing).</summary>
    private async Task<(Guid, Guid)[]> Round(params QueueTicket[] tickets)
    {
        _queue.ListActiveAsync(default).ReturnsForAnyArgs(tickets.Select(t => new WaitingTicket(t, null)).ToArray());
        var users = Substitute.For<IUserRepository>();
        users.GetManyAsync(default!, default).ReturnsForAnyArgs([]);
        var announcer = new SessionAnnouncer(users, Substitute.For<IRealtimeNotifier>(), Fakes.SelfLevels, Fakes.Practice(),
            NullLogger<SessionAnnouncer>.Instance);
        _proposed = null;

        await new RunMatchRoundCommandHandler(_queue, _sessions, _presence, _restrictions, announcer, Fakes.ClockAt(Fakes.Now),
                Options.Create(_options), Options.Create(new RealtimeOptions()))
            .Handle(new RunMatchRoundCommand(), default);

        return _proposed?.Select(s => (s.Session.User1Id, s.Session.User2Id)).ToArray() ?? [];
    }

    [Fact]
    public async Task TheRound_ProposesNoBlockedPair_AndNoSuspendedUser()
    {
        Suspended(C);
        Blocked((A, B));

        (await Round(Roulette(A, 0), Roulette(B, 1), Roulette(C, 2), Roulette(D, 3), Roulette(E, 4))).ShouldBe([(A, D), (B, E)]);
        await _restrictions.Received(1).SuspendedAmongAsync(Arg.Is<IReadOnlyCollection<Guid>>(u => u.Count == 5), Fakes.Now, Arg.Any<CancellationToken>());
        await _restrictions.Received(1).BlockedPairsAmongAsync(Arg.Is<IReadOnlyCollection<Guid>>(u => u.Count == 5), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task ABlockedFirstAndSecond_DoNotStarveTheThird()
    {
        // Join order pairs the 1st with the 2nd; they block each other, so the 1st pairs with the 3rd and the 2nd waits.
        Blocked((B, A));

        (await Round(Roulette(A, 0), Roulette(B, 1), Roulette(C, 2))).ShouldBe([(A, C)]);
    }

    [Fact]
    public async Task ABlockedPartnerIsSkipped_AndTheOthersPairOnInJoinOrder()
    {
        Blocked((A, B));

        (await Round(Roulette(A, 0), Roulette(B, 1), Roulette(C, 2), Roulette(D, 3))).ShouldBe([(A, C), (B, D)]);
        (await Round(Roulette(A, 0), Roulette(B, 1), Roulette(C, 2), Roulette(D, 3), Roulette(E, 4))).ShouldBe([(A, C), (B, D)]);
    }

    [Fact]
    public async Task TwoUsersWhoBlockEachOther_AloneInTheQueue_StayWaiting()
    {
        Blocked((A, B));

        (await Round(Roulette(A, 0), Roulette(B, 1))).ShouldBeEmpty();
        await _sessions.DidNotReceiveWithAnyArgs().StartMatchedAsync(default!, default, default);
    }

    [Fact]
    public async Task InTheLevelFilter_ABlockedNeighbourIsSkipped()
    {
        Blocked((A, B));

        (await Round(Level(A, 6.0, 0), Level(B, 6.0, 1), Level(C, 6.5, 2))).ShouldBe([(A, C)]);
    }

    [Fact]
    public async Task EveryoneBlockingEveryone_PairsNobody()
    {
        Guid[] users = [A, B, C, D, E];
        Blocked(users.SelectMany(x => users.Where(y => y != x).Select(y => (x, y))).ToArray());

        (await Round(users.Select((u, i) => Roulette(u, i)).ToArray())).ShouldBeEmpty();
    }

    [Theory]
    [InlineData(10)]
    [InlineData(25)]
    public async Task RecentPartners_AreReadWithinTheCooldown_AndPairedOnlyAsALastResort(int minutes)
    {
        _options.RepeatPartnerCooldownMinutes = minutes;
        Recent((A, B));

        // Join order would pair A with B; they had a session within the cooldown, so A takes C and B waits.
        (await Round(Roulette(A, 0), Roulette(B, 1), Roulette(C, 2))).ShouldBe([(A, C)]);
        await _restrictions.Received(1).RecentPairsAmongAsync(Arg.Is<IReadOnlyCollection<Guid>>(u => u.Count == 3),
            Fakes.Now.AddMinutes(-minutes), Arg.Any<CancellationToken>());

        // Alone in the queue, they are paired after all.
        (await Round(Roulette(A, 0), Roulette(B, 1))).ShouldBe([(A, B)]);
    }

    [Fact]
    public async Task ACooldownOfZero_ReadsNoRecentPairs_AndPairsInJoinOrder()
    {
        _options.RepeatPartnerCooldownMinutes = 0;
        Recent((A, B)); // what a read would have said

        (await Round(Roulette(A, 0), Roulette(B, 1), Roulette(C, 2))).ShouldBe([(A, B)]);
        await _restrictions.DidNotReceiveWithAnyArgs().RecentPairsAmongAsync(default!, default, default);
    }

    [Theory]
    [InlineData(60, true)] // both have waited at least 70 s: past the delay, ±1.0
    [InlineData(80, false)] // not yet: ±0.5
    public async Task WideningTickets_WidenAfterTheConfiguredDelay(int widenAfterSeconds, bool pairs)
    {
        _options.LevelWidenAfterSeconds = widenAfterSeconds;

        // Levels one band apart, joined 71 and 70 s before the round.
        var round = await Round(Level(A, 6.0, -11, widen: true), Level(B, 7.0, -10, widen: true));

        if (pairs) round.ShouldBe([(A, B)]);
        else round.ShouldBeEmpty();
    }

    [Fact]
    public async Task TicketsThatDidNotAskToWiden_KeepHalfABand()
    {
        _options.LevelWidenAfterSeconds = 0;

        (await Round(Level(A, 6.0, -11), Level(B, 7.0, -10))).ShouldBeEmpty();
    }
}
