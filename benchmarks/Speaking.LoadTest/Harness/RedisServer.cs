using System.Globalization;
using System.Text.RegularExpressions;

namespace Speaking.LoadTest.Harness;

/// <summary>
/// A <c>redis-server</c> of the tool's own for the nodes to share: a free loopback port, in memory only
/// (<c>--save "" --appendonly no</c>), stopped with the other children when disposed or when the tool exits.
/// </summary>
public sealed partial class RedisServer : IAsyncDisposable
{
    public const string Binary = "/usr/bin/redis-server";

    private readonly ChildProcess _process;

    private RedisServer(ChildProcess process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public int Pid => _process.Pid;

    /// <summary>REDIS_URL for the service.</summary>
    public string Url => $"redis://127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync(string workingDirectory, bool echo, CancellationToken ct)
    {
        if (!File.Exists(Binary)) throw new UsageException($"{Binary} is missing (apt-get install -y redis-server); --nodes 2 needs it");
        // A free port can be taken by someone else between the probe and redis's bind: try a few.
        for (var attempt = 1; ; attempt++)
        {
            var port = Machine.FreePort();
            var process = ChildProcess.Start("redis-server", Binary,
                ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", workingDirectory],
                new Dictionary<string, string?>(), workingDirectory, echo);
            try
            {
                await process.WaitForLineAsync(ReadyLine(), TimeSpan.FromSeconds(30), ct);
                Output.Progress($"redis-server ready on 127.0.0.1:{port} (pid {process.Pid})");
                return new RedisServer(process, port);
            }
            catch (InvalidOperationException) when (attempt < 5 && process.Tail().Contains("Address already in use", StringComparison.Ordinal))
            {
                await process.DisposeAsync();
            }
            catch
            {
                await process.DisposeAsync();
                throw;
            }
        }
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    [GeneratedRegex("Ready to accept connections")]
    private static partial Regex ReadyLine();
}
