using BenchmarkDotNet.Attributes;
using Speaking.Domain.Common;
using Speaking.Domain.Matchmaking;

namespace Speaking.Benchmarks;

/// <summary>
/// One matchmaking round (<see cref="Pairing"/>) over a seeded mix of roulette and level-filter tickets: <c>Pair</c> with
/// eligibility only (as before issue 17), <c>PairWithRules</c> on the same queue with every rule of issue 17 in play.
/// </summary>
[MemoryDiagnoser]
public class PairingBenchmarks
{
    private static readonly DateTime Start = new(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);

    private QueueTicket[] _tickets = [];
    private HashSet<Guid> _busy = [];
    private QueueTicket[] _ticketsWithWiden = [];
    private PairingRules _rules = new(Start);

    [Params(1_000, 10_000, 100_000)]
    public int Tickets { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _tickets = new QueueTicket[Tickets];
        for (var i = 0; i < Tickets; i++)
        {
            var mode = random.Next(2) == 0 ? QueueMode.Roulette : QueueMode.LevelFilter;
            var level = 5.0 + random.Next(0, 9) * 0.5;
            _tickets[i] = new QueueTicket(NextGuid(random), NextGuid(random), mode, IeltsBand.From(level),
                Start.AddMilliseconds(random.Next(0, 20_000)));
        }

        // About 5% of users are in a call, as the eligibility callback of a real round would report.
        _busy = _tickets.Where(_ => random.Next(20) == 0).Select(t => t.UserId).ToHashSet();

        SetUpRules(new Random(17));
    }

    /// <summary>
    /// The same queue with the rules of issue 17: 30% of level-filter tickets widen (join times spread over 20 s, widening
    /// after 8 s at a round 25 s after the first join, so all three bands occur); 1% of users suspended; 2% of tickets
    /// blocked with the next ticket of their mode in join order (their natural partner) and 2% with a random ticket; 10% of
    /// roulette tickets a recent pair with the next roulette ticket (two who just ended a call and rejoined together).
    /// </summary>
    private void SetUpRules(Random random)
    {
        _ticketsWithWiden = [.. _tickets.Select(t => t.Mode == QueueMode.LevelFilter && random.Next(10) < 3 ? t with { Widen = true } : t)];
        var inJoinOrder = _tickets.OrderBy(t => t.JoinedAt).ToArray();
        var blocked = new List<UserPair>();
        var recent = new List<UserPair>();
        foreach (var mode in new[] { QueueMode.Roulette, QueueMode.LevelFilter })
        {
            var ofMode = inJoinOrder.Where(t => t.Mode == mode).ToArray();
            for (var i = 0; i + 1 < ofMode.Length; i++)
            {
                if (random.Next(50) == 0) blocked.Add(new UserPair(ofMode[i].UserId, ofMode[i + 1].UserId));
                if (random.Next(50) == 0) blocked.Add(new UserPair(ofMode[i].UserId, ofMode[random.Next(ofMode.Length)].UserId));
                if (mode == QueueMode.Roulette && random.Next(10) == 0) recent.Add(new UserPair(ofMode[i].UserId, ofMode[i + 1].UserId));
            }
        }

        var busy = _busy;
        _rules = new PairingRules(Start.AddSeconds(25))
        {
            IsEligible = user => !busy.Contains(user),
            Suspended = _tickets.Where(_ => random.Next(100) == 0).Select(t => t.UserId).ToHashSet(),
            Blocked = blocked,
            RecentPairs = recent,
            LevelWidenAfter = TimeSpan.FromSeconds(8),
        };
    }

    private static Guid NextGuid(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        return new Guid(bytes);
    }

    [Benchmark]
    public int Pair() => Pairing.Pair(_tickets, user => !_busy.Contains(user)).Pairs.Count;

    [Benchmark]
    public int PairWithRules() => Pairing.Pair(_ticketsWithWiden, _rules).Pairs.Count;
}
