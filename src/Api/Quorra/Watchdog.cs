using System.Collections.Concurrent;

namespace Speaking.Api.Quorra;

/// <summary>
/// The original's watchdog: requests with <c>x-robot-attack: true</c> are logged as suspicious with time and client
/// address. To keep the header from flooding the log there is at most one line per address per minute, carrying the
/// count since that address's previous line; counts left over are written by a sweep once their minute is up.
/// At most <see cref="MaxAddresses"/> addresses are tracked; beyond that, new ones share one "other addresses" entry.
/// </summary>
public sealed class SuspiciousRequestLog : IDisposable
{
    public const int MaxAddresses = 10_000;
    public const string Overflow = "(other addresses)";
    public static readonly TimeSpan Period = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ILogger<SuspiciousRequestLog> _logger;
    private readonly ITimer _sweeper;

    public SuspiciousRequestLog(TimeProvider time, ILogger<SuspiciousRequestLog> logger)
    {
        _time = time;
        _logger = logger;
        _sweeper = time.CreateTimer(_ => Sweep(), null, Period, Period);
    }

    public int TrackedAddresses => _entries.Count;

    public void Record(string? address)
    {
        var key = address ?? "unknown";
        if (!_entries.TryGetValue(key, out var entry))
            entry = _entries.Count >= MaxAddresses ? _entries.GetOrAdd(Overflow, _ => new Entry()) : _entries.GetOrAdd(key, _ => new Entry());
        var now = _time.GetUtcNow();
        lock (entry)
        {
            entry.Pending++;
            if (entry.LastLine is { } last && now - last < Period) return;
            Write(key == Overflow || !_entries.ContainsKey(key) ? Overflow : key, entry, now);
        }
    }

    /// <summary>Writes the counts whose minute is up and forgets addresses that have been quiet for a whole minute.</summary>
    public void Sweep()
    {
        var now = _time.GetUtcNow();
        foreach (var (key, entry) in _entries)
        {
            lock (entry)
            {
                if (entry.LastLine is { } last && now - last < Period) continue;
                if (entry.Pending > 0) Write(key, entry, now);
                else _entries.TryRemove(KeyValuePair.Create(key, entry));
            }
        }
    }

    private void Write(string address, Entry entry, DateTimeOffset now)
    {
        _logger.LogWarning("Suspicious request (x-robot-attack) from {ClientAddress} at {Time:O}: {Count} since the previous line",
            address, now, entry.Pending);
        entry.Pending = 0;
        entry.LastLine = now;
    }

    public void Dispose() => _sweeper.Dispose();

    private sealed class Entry
    {
        public long Pending;
        public DateTimeOffset? LastLine;
    }
}

/// <summary>Runs on the /quorra branch only; never changes the request or the response.</summary>
public sealed class QuorraWatchdog(RequestDelegate next, SuspiciousRequestLog log)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (string.Equals(context.Request.Headers["x-robot-attack"].ToString().Trim(), "true", StringComparison.OrdinalIgnoreCase))
            log.Record(context.Connection.RemoteIpAddress?.ToString());
        return next(context);
    }
}

public static class QuorraPipeline
{
    public static IServiceCollection AddQuorraApi(this IServiceCollection services) =>
        services.AddSingleton<SuspiciousRequestLog>();

    /// <summary>Middleware of the /quorra branch (the watchdog).</summary>
    public static IApplicationBuilder UseQuorra(this IApplicationBuilder app) =>
        app.UseWhen(Http.ErrorResponses.IsQuorra, branch => branch.UseMiddleware<QuorraWatchdog>());
}
