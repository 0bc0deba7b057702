using BenchmarkDotNet.Attributes;
using Speaking.Domain.Common;
using Speaking.Domain.Matchmaking;

namespace Speaking.Benchmarks;

/// <summary>One matchmaking round (<see cref="Pairing.Pair"/>) over a seeded mix of roulette and level-filter tickets.</summary>
[MemoryDiagnoser]
public class PairingBenchmarks
{
    private QueueTicket[] _tickets = [];
    private HashSet<Guid> _busy = [];

    [Params(1_000, 10_000, 100_000)]
    public int Tickets { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var start = new DateTime(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);
        _tickets = new QueueTicket[Tickets];
        for (var i = 0; i < Tickets; i++)
        {
            var mode = random.Next(2) == 0 ? QueueMode.Roulette : QueueMode.LevelFilter;
            var level = 5.0 + random.Next(0, 9) * 0.5;
            _tickets[i] = new QueueTicket(NextGuid(random), NextGuid(random), mode, IeltsBand.From(level),
                start.AddMilliseconds(random.Next(0, 20_000)));
        }

        // About 5% of users are in a call, as the eligibility callback of a real round would report.
        _busy = _tickets.Where(_ => random.Next(20) == 0).Select(t => t.UserId).ToHashSet();
    }

    private static Guid NextGuid(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        return new Guid(bytes);
    }

    [Benchmark]
    public int Pair() => Pairing.Pair(_tickets, user => !_busy.Contains(user)).Pairs.Count;
}
