using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Speaking.IntegrationTests.Support;

/// <summary>
/// The real program (<c>dotnet Speaking.Api.dll</c>) as a process of its own, so a test can kill it with SIGKILL (a
/// node that dies) or stop it with SIGTERM (a drain). Same settings as <see cref="TestHost"/>, plus the caller's.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output;

    private NodeProcess(Process process, int port, ConcurrentQueue<string> output)
    {
        _process = process;
        _output = output;
        Port = port;
        BaseUri = new Uri($"http://127.0.0.1:{port}");
        Http = new HttpClient { BaseAddress = BaseUri, Timeout = TimeSpan.FromSeconds(30) };
    }

    public int Port { get; }
    public Uri BaseUri { get; }
    public HttpClient Http { get; }
    public IReadOnlyList<string> Output => [.. _output];
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public Uri WebSocketUri(TestUser user) => new($"ws://127.0.0.1:{Port}/ws/match/{user.Id}?token={user.Token}");

    public Task<WsClient> ConnectAsync(TestUser user) => WsClient.ConnectAsync(WebSocketUri(user));

    public static async Task<NodeProcess> StartAsync(string connectionString, IDictionary<string, string?> settings, int? port = null)
    {
        var chosen = port ?? FreePort();
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Speaking.Api.dll")])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Path.GetTempPath(),
        };
        start.Environment["DATABASE_URL"] = connectionString;
        start.Environment["PORT"] = chosen.ToString();
        start.Environment["HOST"] = "127.0.0.1";
        start.Environment["SECRET_KEY"] = TestHost.Secret;
        start.Environment["ROULETTE_INTERVAL_SECONDS"] = "1";
        start.Environment["PASSWORD_HASH_ITERATIONS"] = "1000";
        start.Environment["MAX_SOCKETS_PER_ADDRESS"] = "100000";
        start.Environment["Serilog__MinimumLevel__Default"] = "Warning";
        foreach (var (key, value) in settings) start.Environment[key] = value;

        var output = new ConcurrentQueue<string>();
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var node = new NodeProcess(process, chosen, output);
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                if ((await node.Http.GetAsync("/health")).StatusCode == HttpStatusCode.OK) return node;
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        await node.DisposeAsync();
        throw new InvalidOperationException($"the node did not start: {string.Join("\n", output)}");
    }

    /// <summary>SIGKILL: the node dies without any clean-up.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM: a graceful stop (drain); returns whether the process exited within <paramref name="within"/>.</summary>
    public async Task<bool> TerminateAsync(TimeSpan within)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()])) await kill!.WaitForExitAsync();
        try
        {
            await _process.WaitForExitAsync().WaitAsync(within);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await KillAsync();
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
