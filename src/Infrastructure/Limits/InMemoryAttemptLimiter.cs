using System.Collections.Concurrent;
using System.Globalization;
using Speaking.Application.Common;

namespace Speaking.Infrastructure.Limits;

/// <summary>
/// <see cref="IAttemptLimiter"/> for one node (REDIS_URL unset): the attempts of each key in a list behind that key's
/// lock, so checking and taking are one step. Keys whose attempts have all aged out are dropped once a minute.
/// </summary>
public sealed class InMemoryAttemptLimiter(TimeProvider time) : IAttemptLimiter
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, Attempts> _keys = new(StringComparer.Ordinal);
    private long _lastId;
    private long _nextSweepTicks;

    public Task<AttemptReservation?> TryReserveAsync(string key, int limit, TimeSpan window, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        SweepIfDue(now);
        while (true)
        {
            var attempts = _keys.GetOrAdd(key, static _ => new Attempts());
            lock (attempts)
            {
                if (attempts.Dropped) continue; // swept away after we found it: take the key's new list
                attempts.Expire(now);
                if (attempts.Held.Count >= limit) return Task.FromResult<AttemptReservation?>(null);
                var id = Interlocked.Increment(ref _lastId);
                attempts.Held.Add((id, now + window));
                return Task.FromResult<AttemptReservation?>(new AttemptReservation(key, id.ToString(CultureInfo.InvariantCulture)));
            }
        }
    }

    public Task ReleaseAsync(AttemptReservation reservation)
    {
        if (_keys.TryGetValue(reservation.Key, out var attempts) && long.TryParse(reservation.Id, CultureInfo.InvariantCulture, out var id))
        {
            lock (attempts) attempts.Held.RemoveAll(a => a.Id == id);
        }

        return Task.CompletedTask;
    }

    /// <summary>Attempts held under <paramref name="key"/> now (tests and diagnostics).</summary>
    public int HeldCount(string key)
    {
        if (!_keys.TryGetValue(key, out var attempts)) return 0;
        lock (attempts)
        {
            attempts.Expire(time.GetUtcNow());
            return attempts.Held.Count;
        }
    }

    private void SweepIfDue(DateTimeOffset now)
    {
        var due = Interlocked.Read(ref _nextSweepTicks);
        if (now.UtcTicks < due || Interlocked.CompareExchange(ref _nextSweepTicks, (now + SweepInterval).UtcTicks, due) != due) return;
        foreach (var (key, attempts) in _keys)
        {
            lock (attempts)
            {
                attempts.Expire(now);
                if (attempts.Held.Count > 0) continue;
                attempts.Dropped = true;
                _keys.TryRemove(new KeyValuePair<string, Attempts>(key, attempts));
            }
        }
    }

    private sealed class Attempts
    {
        public List<(long Id, DateTimeOffset Expires)> Held { get; } = [];

        /// <summary>Set, under the lock, when the sweep removed this list from the dictionary.</summary>
        public bool Dropped { get; set; }

        public void Expire(DateTimeOffset now) => Held.RemoveAll(a => a.Expires <= now);
    }
}
