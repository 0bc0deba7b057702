using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Speaking.IntegrationTests.Support;

/// <summary>
/// The real program as its own process (<c>dotnet Speaking.Api.dll</c>, as production runs it) on a free loopback
/// port, configured only through environment variables, with its console output kept in <see cref="Output"/>.
/// For what only a process shows: a real SIGTERM (<see cref="Terminate"/>), the exit code, a restart on the same database.
/// Dispose kills it if it is still running.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output;

    private ServiceProcess(Process process, StringBuilder output, int port)
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
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the process wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>
    /// Starts the service on <paramref name="connectionString"/>'s database with <paramref name="settings"/> added to the
    /// test defaults, and waits until <c>/health</c> answers (start-up recovery has run by then: it runs before Kestrel listens).
    /// </summary>
    public static async Task<ServiceProcess> StartAsync(string connectionString, IDictionary<string, string>? settings = null)
    {
        var port = ChildProcesses.FreeTcpPort();
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Speaking.Api.dll")])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Path.GetTempPath(),
        };
        var environment = new Dictionary<string, string>
        {
            ["DATABASE_URL"] = connectionString,
            ["HOST"] = "127.0.0.1",
            ["PORT"] = port.ToString(),
            ["SECRET_KEY"] = TestHost.Secret,
            ["PASSWORD_HASH_ITERATIONS"] = "1000",
            ["ROULETTE_INTERVAL_SECONDS"] = "1",
            ["MAX_SOCKETS_PER_ADDRESS"] = "100000",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) environment[key] = value;
        foreach (var (key, value) in environment) start.Environment[key] = value;

        var output = new StringBuilder();
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var service = new ServiceProcess(process, output, port);
        var up = await Sessions.EventuallyAsync(async () =>
        {
            if (process.HasExited) return true;
            try { return (await service.Http.GetAsync("/health")).StatusCode == HttpStatusCode.OK; }
            catch (HttpRequestException) { return false; }
        }, seconds: 90);
        if (!up || process.HasExited)
        {
            var log = service.Output;
            await service.DisposeAsync();
            throw new InvalidOperationException($"The service did not start on port {port}:\n{log}");
        }

        return service;
    }

    /// <summary>Sends SIGTERM, as Docker, systemd and Kubernetes do to stop a container or unit.</summary>
    public void Terminate()
    {
        ChildProcesses.Terminate(_process);
    }

    /// <summary>kill -9: the node dies without any clean-up (its sockets, presence and sessions are left to the survivors).</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>True if the process exited within <paramref name="limit"/> (an upper bound, never a timing assertion on its own).</summary>
    public async Task<bool> ExitsWithinAsync(TimeSpan limit)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(limit);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>True while something accepts TCP connections on the service's port.</summary>
    public async Task<bool> AcceptsConnectionsAsync()
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, Port).WaitAsync(TimeSpan.FromSeconds(2));
            return true;
        }
        catch (Exception e) when (e is SocketException or TimeoutException)
        {
            return false;
        }
    }

    public async Task<TestUser> RegisterAsync(string username)
    {
        var email = $"user{Guid.NewGuid():N}@example.com";
        const string password = "secret123";
        var response = await Http.PostAsJsonAsync("/auth/register", new { email, password, username, current_level = 6.5, target_score = 7.5 });
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"Register failed: {(int)response.StatusCode} {body}");
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        return new TestUser(Guid.Parse(root.GetProperty("user").GetProperty("id").GetString()!), email, password, username,
            root.GetProperty("access_token").GetString()!);
    }

    public Uri WebSocketUri(TestUser user) => new($"ws://127.0.0.1:{Port}/ws/match/{user.Id}?token={user.Token}");

    public Task<WsClient> ConnectAsync(TestUser user) => WsClient.ConnectAsync(WebSocketUri(user));

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
