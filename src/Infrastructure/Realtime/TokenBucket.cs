namespace Speaking.Infrastructure.Realtime;

/// <summary>
/// Per-connection message rate limit (D-20): bursts of <c>capacity</c>, <c>perSecond</c> sustained — generous
/// enough for ICE trickling. Used by one reader at a time, so not thread-safe.
/// </summary>
public sealed class TokenBucket(int capacity, double perSecond, TimeProvider time)
{
    private double _tokens = capacity;
    private long _last = time.GetTimestamp();

    public bool TryTake()
    {
        var now = time.GetTimestamp();
        _tokens = Math.Min(capacity, _tokens + time.GetElapsedTime(_last, now).TotalSeconds * perSecond);
        _last = now;
        if (_tokens < 1) return false;
        _tokens -= 1;
        return true;
    }
}
