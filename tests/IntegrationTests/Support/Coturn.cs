using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace Speaking.IntegrationTests.Support;

/// <summary>
/// The real coturn from apt (<c>/usr/bin/turnserver</c>) as a child process on 127.0.0.1, in coturn's REST-API mode
/// (<c>use-auth-secret</c> with <see cref="Secret"/>), UDP only, with its own free listening port, relay port range,
/// pid file and database in a private folder. Its log (stdout) is kept in <see cref="Log"/>. Dispose stops it.
/// </summary>
public sealed class Coturn : IAsyncDisposable
{
    public const string Binary = "/usr/bin/turnserver";
    public const string Realm = "speaking.test";

    private readonly Process _process;
    private readonly string _folder;
    private readonly ConcurrentQueue<string> _log;

    private Coturn(Process process, string folder, ConcurrentQueue<string> log, int port, string secret, int minRelayPort)
    {
        _process = process;
        _folder = folder;
        _log = log;
        Port = port;
        Secret = secret;
        MinRelayPort = minRelayPort;
    }

    private const int RelayPorts = 200;

    /// <summary>coturn's <c>static-auth-secret</c>; give it to the service as TURN_SECRET.</summary>
    public string Secret { get; }

    public int Port { get; }

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    /// <summary>The relay port range: every relayed address coturn hands out has its port in it.</summary>
    public int MinRelayPort { get; }

    public int MaxRelayPort => MinRelayPort + RelayPorts - 1;

    /// <summary>The TURN_URLS value that points at this server.</summary>
    public string TurnUrl => $"turn:127.0.0.1:{Port}?transport=udp";

    public IReadOnlyList<string> Log => [.. _log];

    /// <summary>
    /// A test relay: loopback peers allowed (<c>allow-loopback-peers</c>), since both ends of a test call live on this
    /// machine and their relayed addresses are 127.0.0.1. Nothing else of a production set-up.
    /// </summary>
    public static Task<Coturn> StartForLoopbackCallsAsync() =>
        StartAsync(["allow-loopback-peers"]);

    /// <summary>
    /// The repository's <c>deploy/turnserver.conf</c> as it is, with only where it listens, its relay ports, its
    /// secret, its log and its files replaced for the test. Loopback peers stay forbidden, as in production.
    /// </summary>
    /// <remarks>It also relays on ::1, so IPv6 allocations can show which IPv6 peers are denied.</remarks>
    public static Task<Coturn> StartWithDeployConfigAsync() =>
        StartAsync(["relay-ip=::1", .. DeployConfigLines().Where(line => !Replaced.Contains(Key(line)))]);

    /// <summary>The keys the test sets itself; everything else of deploy/turnserver.conf is used unchanged.</summary>
    private static readonly HashSet<string> Replaced =
    [
        "listening-ip", "relay-ip", "external-ip", "listening-port", "tls-listening-port", "min-port", "max-port", "static-auth-secret",
        "log-file", "pidfile", "userdb", "realm",
    ];

    /// <summary>deploy/turnserver.conf's settings: one a line, comments and blank lines dropped.</summary>
    public static IEnumerable<string> DeployConfigLines() =>
        File.ReadAllLines(NginxProxy.RepositoryFile("deploy/turnserver.conf")).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'));

    /// <summary>A setting's name: <c>name</c> of <c>name=value</c> or of a bare flag.</summary>
    public static string Key(string line) => line.Split('=', 2)[0].Trim();

    private static async Task<Coturn> StartAsync(IReadOnlyList<string> settings)
    {
        if (!File.Exists(Binary)) throw new InvalidOperationException($"{Binary} is missing: apt-get install -y coturn (test.sh does).");

        // A port probed free can be taken before coturn binds it: try a few.
        for (var attempt = 1; ; attempt++)
        {
            var folder = Directory.CreateTempSubdirectory("speaking-coturn-").FullName;
            var port = ChildProcesses.FreeUdpPort();
            var secret = "coturn-test-" + Guid.NewGuid().ToString("N");
            var relayBase = Random.Shared.Next(50_000, 64_000);
            string[] own =
            [
                "listening-ip=127.0.0.1", "relay-ip=127.0.0.1", $"listening-port={port}", $"min-port={relayBase}", $"max-port={relayBase + RelayPorts - 1}",
                "use-auth-secret", $"static-auth-secret={secret}", $"realm={Realm}", "no-tcp", "no-tls", "no-dtls", "no-cli",
                "log-file=stdout", "simple-log", "verbose", $"pidfile={Path.Combine(folder, "turnserver.pid")}", $"userdb={Path.Combine(folder, "turndb")}",
            ];
            var config = Path.Combine(folder, "turnserver.conf");
            await File.WriteAllLinesAsync(config, own.Concat(settings).Distinct());

            var log = new ConcurrentQueue<string>();
            var process = Launch(config, log);
            if (await AnswersAsync(process, port)) return new Coturn(process, folder, log, port, secret, relayBase);

            await ChildProcesses.StopAsync(process);
            Directory.Delete(folder, recursive: true);
            var output = string.Join('\n', log);
            if (attempt < 5 && output.Contains("in use", StringComparison.OrdinalIgnoreCase)) continue;
            throw new InvalidOperationException($"coturn did not answer on 127.0.0.1:{port}:\n{output}");
        }
    }

    private static Process Launch(string config, ConcurrentQueue<string> log)
    {
        var start = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-c", config }) start.ArgumentList.Add(argument);
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>True once a STUN Binding request is answered; false if coturn exits first or nothing answers in 30 s.</summary>
    private static async Task<bool> AnswersAsync(Process process, int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            using var client = new TurnClient(new IPEndPoint(IPAddress.Loopback, port));
            try
            {
                if ((await client.BindingAsync(TimeSpan.FromSeconds(2))).IsSuccess) return true;
            }
            catch (TimeoutException)
            {
            }
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        await ChildProcesses.StopAsync(_process);
        _process.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
