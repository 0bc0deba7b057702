using System.Globalization;
using System.Text;
using CsCheck;
using Speaking.Domain.Common;
using Speaking.Domain.Matchmaking;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Domain;

/// <summary>
/// Seeded property tests of <see cref="Pairing"/> over generated rounds: up to 14 users and 28 tickets (second tickets
/// of a user, both modes, 0.5-step and arbitrary levels, join times mostly on a 4 s grid so equal times happen, the
/// rest just before or at the widening boundaries), with ineligible and suspended users, blocked pairs, recent pairs,
/// widen flags and widening delays.
/// Every rule below is checked against <see cref="PairingOracle"/>, which restates the rules without the algorithm.
/// </summary>
public class PairingPropertyTests
{
    [Fact]
    public void Pair_PropertyPlacesEveryTicketExactlyOnce() => SeededProperty.Check(PairingCase.Generator(), c =>
    {
        var result = c.Pair();

        var placed = result.Pairs.SelectMany(p => new[] { p.Initiator, p.Callee }).Concat(result.Waiting).ToArray();
        placed.Length.ShouldBe(c.Tickets.Length);
        placed.ShouldBe(c.Tickets, ignoreOrder: true);
        var pairedUsers = result.Pairs.SelectMany(p => new[] { p.Initiator.UserId, p.Callee.UserId }).ToArray();
        pairedUsers.ShouldBeUnique();
    }, print: Print);

    [Fact]
    public void Pair_PropertyNeverPairsWhatTheHardRulesForbid() => SeededProperty.Check(PairingCase.Generator(), c =>
    {
        var oracle = new PairingOracle(c);

        foreach (var pair in c.Pair().Pairs)
        {
            var what = $"{c.Name(pair.Initiator)} with {c.Name(pair.Callee)}";
            oracle.Participates(pair.Initiator).ShouldBeTrue($"{what}: the initiator is ineligible, suspended or a second ticket");
            oracle.Participates(pair.Callee).ShouldBeTrue($"{what}: the callee is ineligible, suspended or a second ticket");
            pair.Initiator.UserId.ShouldNotBe(pair.Callee.UserId, what);
            pair.Initiator.Mode.ShouldBe(pair.Callee.Mode, what);
            oracle.IsBlocked(pair.Initiator, pair.Callee).ShouldBeFalse($"{what}: blocked");
            oracle.WithinBothBands(pair.Initiator, pair.Callee).ShouldBeTrue($"{what}: levels too far apart");
        }
    }, print: Print);

    [Fact]
    public void Pair_PropertyMakesTheEarlierJoinedTheInitiator() => SeededProperty.Check(PairingCase.Generator(), c =>
    {
        foreach (var pair in c.Pair().Pairs)
            PairingOracle.JoinedBefore(pair.Initiator, pair.Callee).ShouldBeTrue($"{c.Name(pair.Initiator)} with {c.Name(pair.Callee)}");
    }, print: Print);

    /// <summary>Maximality: no two unpaired participants could have been paired, a recent pair counting as allowed.</summary>
    [Fact]
    public void Pair_PropertyLeavesNoTwoUnpairedTicketsThatMayPair() => SeededProperty.Check(PairingCase.Generator(), c =>
    {
        var oracle = new PairingOracle(c);
        var unpaired = oracle.UnpairedParticipants(c.Pair());

        foreach (var a in unpaired)
        foreach (var b in unpaired)
        {
            if (a != b)
                oracle.MayPair(a, b).ShouldBeFalse($"{c.Name(a)} and {c.Name(b)} may pair but both wait");
        }
    }, print: Print);

    /// <summary>
    /// Roulette makes a recent pair only when neither of the two has another partner it may pair with (not blocked, not
    /// recent) among the tickets left unpaired at the end of the round. (The level filter ignores recent pairs: see
    /// <see cref="Pair_PropertyRecentPairsDoNotChangeTheLevelFilter"/>.)
    /// </summary>
    [Fact]
    public void Pair_PropertyPairsRecentPartnersOnlyAsALastResort() => SeededProperty.Check(PairingCase.Generator(), c =>
    {
        var oracle = new PairingOracle(c);
        var result = c.Pair();
        var unpaired = oracle.UnpairedParticipants(result);

        foreach (var pair in result.Pairs.Where(p => p.Mode == QueueMode.Roulette && oracle.IsRecent(p.Initiator, p.Callee)))
        {
            foreach (var member in new[] { pair.Initiator, pair.Callee })
            foreach (var other in unpaired)
            {
                (oracle.MayPair(member, other) && !oracle.IsRecent(member, other)).ShouldBeFalse(
                    $"{c.Name(pair.Initiator)} and {c.Name(pair.Callee)} repeat although {c.Name(member)} could pair with {c.Name(other)}, who waits");
            }
        }
    }, print: Print);

    /// <summary>
    /// Nearest bands first: no member of a pair made in band k (±0.5, ±1.0, any) could have paired in a nearer band with
    /// a ticket that is left unpaired.
    /// </summary>
    [Fact]
    public void Pair_PropertyPairsTheNearestBandsFirst() => SeededProperty.Check(PairingCase.Generator(), c =>
    {
        var oracle = new PairingOracle(c);
        var result = c.Pair();
        var unpaired = oracle.UnpairedParticipants(result);

        foreach (var pair in result.Pairs.Where(p => p.Mode == QueueMode.LevelFilter))
        {
            var band = PairingOracle.Band(pair.Initiator, pair.Callee);
            foreach (var member in new[] { pair.Initiator, pair.Callee })
            foreach (var other in unpaired.Where(o => oracle.MayPair(member, o)))
            {
                PairingOracle.Band(member, other).ShouldBeGreaterThanOrEqualTo(band,
                    $"{c.Name(pair.Initiator)} and {c.Name(pair.Callee)} pair in band {band} although {c.Name(member)} and {c.Name(other)} (waiting) are nearer");
            }
        }
    }, print: Print);

    /// <summary>
    /// Roulette keeps join order: between the two tickets of a pair that is not a repeat, every participant who joined in
    /// between is either in an earlier pair (a non-repeat pair whose initiator joined before this one's) or is blocked
    /// with, or a recent partner of, this pair's initiator.
    /// </summary>
    [Fact]
    public void Pair_PropertyRouletteTakesJoinOrderSkippingOnlyBlockedOrRecentPartners() => SeededProperty.Check(PairingCase.Generator(), c =>
    {
        var oracle = new PairingOracle(c);
        var result = c.Pair();
        var rouletteInOrder = oracle.Participants.Where(t => t.Mode == QueueMode.Roulette).ToList();
        var partnerOf = result.Pairs.SelectMany(p => new[] { (p.Initiator, p), (p.Callee, p) }).ToDictionary(x => x.Item1, x => x.p);

        foreach (var pair in result.Pairs.Where(p => p.Mode == QueueMode.Roulette && !oracle.IsRecent(p.Initiator, p.Callee)))
        {
            var from = rouletteInOrder.IndexOf(pair.Initiator);
            var to = rouletteInOrder.IndexOf(pair.Callee);
            for (var k = from + 1; k < to; k++)
            {
                var skipped = rouletteInOrder[k];
                var takenEarlier = partnerOf.TryGetValue(skipped, out var other) && !oracle.IsRecent(other.Initiator, other.Callee)
                    && PairingOracle.JoinedBefore(other.Initiator, pair.Initiator);
                (takenEarlier || oracle.IsBlocked(pair.Initiator, skipped) || oracle.IsRecent(pair.Initiator, skipped)).ShouldBeTrue(
                    $"{c.Name(pair.Initiator)} skipped {c.Name(skipped)} for {c.Name(pair.Callee)}");
            }
        }
    }, print: Print);

    /// <summary>
    /// Differential: without blocks, recent pairs or widening (no widen flags, or none waited long enough) the result is
    /// exactly today's, pair for pair and in the same order, suspended users counting as ineligible.
    /// </summary>
    [Fact]
    public void Pair_PropertyWithoutTheNewRulesGivesExactlyTheEarlierResult()
    {
        var gen = PairingCase.Generator().SelectMany(c => Gen.Bool.Select(stripFlags => stripFlags
            ? c with { Tickets = [.. c.Tickets.Select(t => t with { Widen = false })], Blocked = [], Recent = [] }
            : c with { WidenAfter = TimeSpan.FromSeconds(1_000), Blocked = [], Recent = [] }));

        SeededProperty.Check(gen, c =>
        {
            var expected = PairingReference.Pair(c.Tickets, user => !c.Ineligible.Contains(user) && !c.Suspended.Contains(user));

            var result = c.Pair();

            result.Pairs.ShouldBe(expected.Pairs);
            result.Waiting.ShouldBe(expected.Waiting);
        }, print: Print);
    }

    [Fact]
    public void Pair_PropertyRecentPairsDoNotChangeTheLevelFilter() => SeededProperty.Check(PairingCase.Generator(), c =>
    {
        static MatchPair[] LevelPairs(PairingResult r) => [.. r.Pairs.Where(p => p.Mode == QueueMode.LevelFilter)];

        LevelPairs(c.Pair()).ShouldBe(LevelPairs((c with { Recent = [] }).Pair()));
    }, print: Print);

    [Fact]
    public void Pair_PropertyTreatsASuspendedUserLikeAnIneligibleOne() => SeededProperty.Check(PairingCase.Generator(), c =>
    {
        var asIneligible = (c with { Ineligible = [.. c.Ineligible, .. c.Suspended], Suspended = [] }).Pair();

        var result = c.Pair();

        result.Pairs.ShouldBe(asIneligible.Pairs);
        result.Waiting.ShouldBe(asIneligible.Waiting);
    }, print: Print);

    [Fact]
    public void Pair_PropertyDoesNotDependOnTheOrderOfTheTickets()
    {
        var gen = PairingCase.Generator().SelectMany(c => Gen.Shuffle(c.Tickets.ToArray()).Select(shuffled => (c, shuffled)));

        SeededProperty.Check(gen, x =>
        {
            var (c, shuffled) = x;
            var result = c.Pair();
            var again = (c with { Tickets = shuffled }).Pair();

            again.Pairs.ShouldBe(result.Pairs);
            again.Waiting.ShouldBe(result.Waiting);
        }, print: x => Print(x.c));
    }

    /// <summary>The generator reaches every rule: over the seeds, each kind of input and each kind of pair occurs.</summary>
    [Fact]
    public void Pair_GeneratedRoundsCoverEveryRule()
    {
        var seen = new HashSet<string>();
        SeededProperty.Check(PairingCase.Generator(), c =>
        {
            var oracle = new PairingOracle(c);
            var result = c.Pair();
            foreach (var pair in result.Pairs)
            {
                if (pair.Mode == QueueMode.Roulette && oracle.IsRecent(pair.Initiator, pair.Callee)) seen.Add("recent pair made as a last resort");
                if (pair.Mode == QueueMode.LevelFilter) seen.Add($"level pair in band {PairingOracle.Band(pair.Initiator, pair.Callee)}");
            }

            if (oracle.UnpairedParticipants(result).Any(a => oracle.UnpairedParticipants(result).Any(b => a != b && a.Mode == b.Mode
                && oracle.IsBlocked(a, b) && oracle.WithinBothBands(a, b))))
                seen.Add("two waiting only because blocked");
            if (c.Tickets.Any(t => c.Suspended.Contains(t.UserId))) seen.Add("suspended ticket");
            if (c.Tickets.Any(t => c.Ineligible.Contains(t.UserId))) seen.Add("ineligible ticket");
            if (c.Tickets.GroupBy(t => t.UserId).Any(g => g.Count() > 1)) seen.Add("second ticket");
            if (c.Tickets.GroupBy(t => t.JoinedAt).Any(g => g.Count() > 1)) seen.Add("equal join times");
        }, print: Print);

        seen.ShouldBe([
            "recent pair made as a last resort", "level pair in band 0", "level pair in band 1", "level pair in band 2",
            "two waiting only because blocked", "suspended ticket", "ineligible ticket", "second ticket", "equal join times",
        ], ignoreOrder: true);
    }

    private static string Print(PairingCase c) => c.ToString();
}

/// <summary>One generated round: tickets plus everything <see cref="PairingRules"/> carries.</summary>
public sealed record PairingCase(
    QueueTicket[] Tickets,
    Guid[] Users,
    HashSet<Guid> Ineligible,
    HashSet<Guid> Suspended,
    UserPair[] Blocked,
    UserPair[] Recent,
    TimeSpan WidenAfter)
{
    public static readonly DateTime Now = new(2026, 1, 1, 12, 10, 0, DateTimeKind.Utc);

    public PairingRules Rules => new(Now)
    {
        IsEligible = user => !Ineligible.Contains(user),
        Suspended = Suspended,
        Blocked = Blocked,
        RecentPairs = Recent,
        LevelWidenAfter = WidenAfter,
    };

    public PairingResult Pair() => Pairing.Pair(Tickets, Rules);

    public static Gen<PairingCase> Generator() =>
        from userCount in CsCheck.Gen.Int[2, 14]
        from users in CsCheck.Gen.Guid.Array[userCount]
        from widenAfter in CsCheck.Gen.Frequency((3, CsCheck.Gen.Const(60)), (1, CsCheck.Gen.Int[0, 90]))
        from tickets in TicketGen(users, widenAfter).Array[0, 28]
        from status in CsCheck.Gen.Int[0, 9].Array[userCount]
        from blocked in PairGen(users).Array[0, 10]
        from recent in PairGen(users).Array[0, 10]
        select new PairingCase(tickets, users,
            [.. users.Where((_, i) => status[i] == 0)],
            [.. users.Where((_, i) => status[i] == 1)],
            blocked, recent, TimeSpan.FromSeconds(widenAfter));

    private static Gen<QueueTicket> TicketGen(Guid[] users, int widenAfter) =>
        from id in CsCheck.Gen.Guid
        from user in CsCheck.Gen.Int[0, users.Length - 1]
        from roulette in CsCheck.Gen.Bool
        from level in CsCheck.Gen.Frequency(
            (3, CsCheck.Gen.Int[2, 18].Select(halves => halves / 2.0)),    // the frontend's 0.5 steps
            (1, CsCheck.Gen.Int[100, 900].Select(cents => cents / 100.0))) // any fraction the REST API accepts
        from waited in CsCheck.Gen.Frequency(
            (4, CsCheck.Gen.Int[0, 40].Select(steps => 4 * steps)),         // 0-160 s in 4 s steps: equal join times
            (1, CsCheck.Gen.OneOf(widenAfter - 1, widenAfter, 2 * widenAfter - 1, 2 * widenAfter))) // the boundaries
        from widen in CsCheck.Gen.Bool
        select new QueueTicket(id, users[user], roulette ? QueueMode.Roulette : QueueMode.LevelFilter, IeltsBand.From(level),
            Now.AddSeconds(-Math.Max(0, waited)), widen);

    private static Gen<UserPair> PairGen(Guid[] users) =>
        from a in CsCheck.Gen.Int[0, users.Length - 1]
        from b in CsCheck.Gen.Int[0, users.Length - 1]
        select new UserPair(users[a], users[b]);

    public string Name(QueueTicket ticket) => $"{UserName(ticket.UserId)}#{Array.IndexOf(Tickets, ticket)}";

    private string UserName(Guid user) => "u" + Array.IndexOf(Users, user);

    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var t in Tickets.OrderBy(t => t.JoinedAt).ThenBy(t => t.Id))
        {
            text.Append(CultureInfo.InvariantCulture,
                $"  {Name(t)}: {(t.Mode == QueueMode.Roulette ? "roulette" : $"level {t.Level}")}, waited {(Now - t.JoinedAt).TotalSeconds} s{(t.Widen ? ", widen" : "")}, id {t.Id}\n");
        }

        string Pairs(IEnumerable<UserPair> pairs) => string.Join(", ", pairs.Select(p => $"{UserName(p.Low)}-{UserName(p.High)}"));
        text.Append(CultureInfo.InvariantCulture, $"  ineligible: {string.Join(", ", Ineligible.Select(UserName))}\n");
        text.Append(CultureInfo.InvariantCulture, $"  suspended: {string.Join(", ", Suspended.Select(UserName))}\n");
        text.Append(CultureInfo.InvariantCulture, $"  blocked: {Pairs(Blocked)}\n  recent: {Pairs(Recent)}\n");
        text.Append(CultureInfo.InvariantCulture, $"  widen after: {WidenAfter.TotalSeconds} s");
        return text.ToString();
    }
}

/// <summary>The rules of a round restated directly from the issue, independently of the algorithm.</summary>
public sealed class PairingOracle
{
    private readonly PairingCase _case;
    private readonly HashSet<UserPair> _blocked;
    private readonly HashSet<UserPair> _recent;

    public PairingOracle(PairingCase c)
    {
        _case = c;
        _blocked = [.. c.Blocked];
        _recent = [.. c.Recent];
        Participants = [.. c.Tickets
            .Where(t => !c.Ineligible.Contains(t.UserId) && !c.Suspended.Contains(t.UserId))
            .GroupBy(t => t.UserId)
            .Select(g => g.OrderBy(t => t.JoinedAt).ThenBy(t => t.Id).First())
            .OrderBy(t => t.JoinedAt).ThenBy(t => t.Id)];
    }

    /// <summary>Each eligible, unsuspended user's first ticket, in join order.</summary>
    public IReadOnlyList<QueueTicket> Participants { get; }

    public bool Participates(QueueTicket ticket) => Participants.Contains(ticket);

    public IReadOnlyList<QueueTicket> UnpairedParticipants(PairingResult result)
    {
        var paired = result.Pairs.SelectMany(p => new[] { p.Initiator, p.Callee }).ToHashSet();
        return [.. Participants.Where(t => !paired.Contains(t))];
    }

    public bool IsBlocked(QueueTicket a, QueueTicket b) => _blocked.Contains(new UserPair(a.UserId, b.UserId));

    public bool IsRecent(QueueTicket a, QueueTicket b) => _recent.Contains(new UserPair(a.UserId, b.UserId));

    /// <summary>±0.5, or with widen ±1.0 after the delay and any level after twice the delay.</summary>
    public double BandOf(QueueTicket t)
    {
        var waited = PairingCase.Now - t.JoinedAt;
        if (!t.Widen || waited < _case.WidenAfter) return 0.5;
        return waited < 2 * _case.WidenAfter ? 1.0 : double.PositiveInfinity;
    }

    public bool WithinBothBands(QueueTicket a, QueueTicket b) =>
        a.Mode == QueueMode.Roulette || a.Level.DistanceTo(b.Level) <= Math.Min(BandOf(a), BandOf(b)) + 1e-9;

    /// <summary>Whether the hard rules allow the two to pair (a recent pair is allowed: it is only avoided).</summary>
    public bool MayPair(QueueTicket a, QueueTicket b) =>
        a.UserId != b.UserId && a.Mode == b.Mode && !IsBlocked(a, b) && WithinBothBands(a, b);

    /// <summary>0 within ±0.5, 1 within ±1.0, 2 beyond.</summary>
    public static int Band(QueueTicket a, QueueTicket b)
    {
        var distance = a.Level.DistanceTo(b.Level);
        return distance <= 0.5 + 1e-9 ? 0 : distance <= 1.0 + 1e-9 ? 1 : 2;
    }

    public static bool JoinedBefore(QueueTicket a, QueueTicket b) =>
        a.JoinedAt < b.JoinedAt || (a.JoinedAt == b.JoinedAt && a.Id.CompareTo(b.Id) < 0);
}
