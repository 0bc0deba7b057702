using System.Collections.Concurrent;

namespace Speaking.Infrastructure.Realtime;

/// <summary>Connection caps (issue 12): per node and per client address here; per user through presence (all nodes).</summary>
public sealed class ConnectionLimits
{
    /// <summary>MAX_CONNECTIONS: sockets this node holds at most (default: derived from the file-descriptor limit).</summary>
    public int MaxConnections { get; set; } = 10_000;

    /// <summary>MAX_SOCKETS_PER_USER: a user's sockets across all nodes.</summary>
    public int MaxSocketsPerUser { get; set; } = 5;

    /// <summary>MAX_SOCKETS_PER_ADDRESS: sockets from one client address on this node.</summary>
    public int MaxSocketsPerAddress { get; set; } = 200;

    /// <summary>
    /// The default node cap: the process's open-file limit less headroom for the database pool, Redis, logs, HTTP
    /// clients and the listening sockets (a tenth of the limit, at least 256).
    /// </summary>
    public static int DefaultMaxConnections()
    {
        var limit = OpenFileLimit() ?? 1024;
        return Math.Max(64, limit - Math.Max(256, limit / 10));
    }

    /// <summary>File descriptors kept for everything that is not a client connection: the database pool (100 by
    /// default), Redis, log files, the listening sockets and the runtime's own (epoll, event and pipe descriptors).</summary>
    public const int ReservedDescriptors = 256;

    /// <summary>
    /// Kestrel's own caps, behind ours: upgraded connections a little above <paramref name="maxConnections"/> (sockets
    /// we have let go can still count for Kestrel for a moment), and plain HTTP connections (handshakes included, until
    /// they are upgraded) in what the open-file limit leaves after those and <see cref="ReservedDescriptors"/>, at
    /// least 64. Without a known open-file limit HTTP connections are not capped.
    /// </summary>
    public static (long Upgraded, long? Http) KestrelCaps(int maxConnections, int? openFiles)
    {
        var upgraded = (long)maxConnections + Math.Max(16, maxConnections / 100);
        long? http = openFiles is { } files ? Math.Max(64, files - upgraded - ReservedDescriptors) : null;
        return (upgraded, http);
    }

    /// <summary>
    /// The process's open-file limit (the soft one, which the .NET runtime raises to the hard one at start), or null
    /// where /proc cannot say.
    /// </summary>
    public static int? OpenFileLimit()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/limits"))
            {
                if (!line.StartsWith("Max open files", StringComparison.Ordinal)) continue;
                var parts = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return parts.Length > 0 && int.TryParse(parts[0], out var soft) ? soft : null;
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }
}

/// <summary>Admits sockets under the node and per-address caps; every admission is left exactly once.</summary>
public sealed class ConnectionGate(ConnectionLimits limits)
{
    private readonly ConcurrentDictionary<string, int> _perAddress = new();
    private int _open;

    public enum Outcome
    {
        Admitted,
        NodeFull,
        AddressFull,
    }

    public int MaxSocketsPerUser => limits.MaxSocketsPerUser;

    public int Open => Volatile.Read(ref _open);

    public Outcome TryEnter(string address)
    {
        if (Interlocked.Increment(ref _open) > limits.MaxConnections)
        {
            Interlocked.Decrement(ref _open);
            return Outcome.NodeFull;
        }

        if (_perAddress.AddOrUpdate(address, 1, (_, n) => n + 1) > limits.MaxSocketsPerAddress)
        {
            LeaveAddress(address);
            Interlocked.Decrement(ref _open);
            return Outcome.AddressFull;
        }

        return Outcome.Admitted;
    }

    public void Leave(string address)
    {
        LeaveAddress(address);
        Interlocked.Decrement(ref _open);
    }

    private void LeaveAddress(string address)
    {
        while (_perAddress.TryGetValue(address, out var n))
        {
            if (n <= 1 ? _perAddress.TryRemove(new KeyValuePair<string, int>(address, n)) : _perAddress.TryUpdate(address, n - 1, n)) return;
        }
    }
}
