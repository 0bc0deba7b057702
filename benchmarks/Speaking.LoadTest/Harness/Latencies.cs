using System.Diagnostics;

namespace Speaking.LoadTest.Harness;

/// <summary>Percentiles of latencies recorded from many threads (Stopwatch ticks, appended without locks).</summary>
public sealed class Latencies(int capacity)
{
    private readonly long[] _ticks = new long[Math.Max(1, capacity)];
    private int _count;
    private long _dropped;

    public int Count => Math.Min(_count, _ticks.Length);

    /// <summary>Samples that did not fit (the capacity is sized for the expected load; this says if it was not).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Add(long elapsedTicks)
    {
        var i = Interlocked.Increment(ref _count) - 1;
        if (i < _ticks.Length) _ticks[i] = elapsedTicks;
        else Interlocked.Increment(ref _dropped);
    }

    public Summary Summarise()
    {
        var n = Count;
        if (n == 0) return new Summary(0, null, null, null, null, null);
        var sorted = _ticks.AsSpan(0, n).ToArray();
        Array.Sort(sorted);
        double Ms(long ticks) => Math.Round(ticks * 1000.0 / Stopwatch.Frequency, 3);
        double At(double p) => Ms(sorted[Math.Clamp((int)Math.Ceiling(p * n) - 1, 0, n - 1)]);
        return new Summary(n, At(0.50), At(0.99), At(0.999), Ms(sorted[^1]), Math.Round(sorted.Average(t => t * 1000.0 / Stopwatch.Frequency), 3));
    }

    /// <summary>Nearest-rank percentiles in milliseconds.</summary>
    public sealed record Summary(int Samples, double? P50Ms, double? P99Ms, double? P999Ms, double? MaxMs, double? MeanMs);
}
