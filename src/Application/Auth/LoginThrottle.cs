using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Speaking.Application.Common;

namespace Speaking.Application.Auth;

/// <summary>
/// Counts failed logins per email and per client address in a sliding window (D-8). In memory, per node:
/// the limits bound guessing speed, they are not an account lock-out.
/// </summary>
public sealed class LoginThrottle(IOptions<LoginLimits> options, IClock clock)
{
    private readonly ConcurrentDictionary<string, Queue<DateTime>> _failures = new();
    private readonly LoginLimits _limits = options.Value;

    public bool IsBlocked(string email, string? address)
    {
        var now = clock.UtcNow;
        return Count("e:" + email.ToLowerInvariant(), now) >= _limits.MaxFailuresPerEmail
            || (address is not null && Count("a:" + address, now) >= _limits.MaxFailuresPerAddress);
    }

    public void RecordFailure(string email, string? address)
    {
        var now = clock.UtcNow;
        Add("e:" + email.ToLowerInvariant(), now);
        if (address is not null) Add("a:" + address, now);
        if (_failures.Count > 10_000) Prune(now);
    }

    private int Count(string key, DateTime now)
    {
        if (!_failures.TryGetValue(key, out var times)) return 0;
        lock (times)
        {
            Expire(times, now);
            return times.Count;
        }
    }

    private void Add(string key, DateTime now)
    {
        var times = _failures.GetOrAdd(key, _ => new Queue<DateTime>());
        lock (times)
        {
            Expire(times, now);
            times.Enqueue(now);
        }
    }

    private void Expire(Queue<DateTime> times, DateTime now)
    {
        var horizon = now.AddSeconds(-_limits.WindowSeconds);
        while (times.Count > 0 && times.Peek() <= horizon) times.Dequeue();
    }

    private void Prune(DateTime now)
    {
        foreach (var (key, times) in _failures)
        {
            lock (times)
            {
                Expire(times, now);
                if (times.Count == 0) _failures.TryRemove(key, out _);
            }
        }
    }
}
