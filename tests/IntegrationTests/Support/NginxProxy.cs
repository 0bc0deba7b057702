using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Speaking.IntegrationTests.Support;

/// <summary>
/// The real nginx from apt (<c>/usr/sbin/nginx</c>) started with the repository's <c>deploy/nginx.conf</c>, rendered
/// with its own loopback port and upstream list, in front of one or several running app instances. Its access and
/// error logs (stdout and stderr) are kept in <see cref="Log"/>. Dispose stops it (SIGTERM, then kill).
/// </summary>
public sealed partial class NginxProxy : IAsyncDisposable
{
    public const string Binary = "/usr/sbin/nginx";

    private readonly Process _process;
    private readonly string _prefix;
    private readonly ConcurrentQueue<string> _log;

    private NginxProxy(Process process, string prefix, ConcurrentQueue<string> log, int port, IReadOnlyList<string> upstreams)
    {
        _process = process;
        _prefix = prefix;
        _log = log;
        Port = port;
        Upstreams = upstreams;
        BaseUri = new Uri($"http://127.0.0.1:{port}");
        Http = new HttpClient { BaseAddress = BaseUri, Timeout = TimeSpan.FromSeconds(30) };
    }

    public int Port { get; }

    /// <summary>The upstream servers, as <c>host:port</c>.</summary>
    public IReadOnlyList<string> Upstreams { get; }

    public Uri BaseUri { get; }

    /// <summary>A client whose requests go through nginx.</summary>
    public HttpClient Http { get; }

    /// <summary>Everything nginx wrote so far: access-log lines (stdout) and error-log lines (stderr).</summary>
    public IReadOnlyList<string> Log => [.. _log];

    public Uri WebSocketUri(Guid userId, string token) => new($"ws://127.0.0.1:{Port}/ws/match/{userId}?token={token}");

    public Task<WsClient> ConnectAsync(TestUser user) => WsClient.ConnectAsync(WebSocketUri(user.Id, user.Token));

    /// <summary>nginx in front of the given running hosts (several: no sticky sessions, least connections).</summary>
    public static Task<NginxProxy> StartAsync(params TestHost[] hosts) =>
        StartAsync(hosts.Select(h => $"127.0.0.1:{h.App.BoundPort}").ToArray());

    /// <summary>nginx in front of the given upstream servers (<c>host:port</c>).</summary>
    public static async Task<NginxProxy> StartAsync(IReadOnlyList<string> upstreams)
    {
        if (!File.Exists(Binary)) throw new InvalidOperationException($"{Binary} is missing: apt-get install -y nginx (test.sh does).");

        // A free port can be taken by someone else between our probe and nginx's bind: try a few.
        for (var attempt = 1; ; attempt++)
        {
            var port = ChildProcesses.FreeTcpPort();
            var prefix = CreatePrefix();
            var log = new ConcurrentQueue<string>();
            var process = Launch(RenderInto(prefix, port, upstreams), prefix, log);
            if (await AnswersAsync(process, port)) return new NginxProxy(process, prefix, log, port, upstreams);

            await ChildProcesses.StopAsync(process);
            Directory.Delete(prefix, recursive: true);
            var output = string.Join('\n', log);
            if (attempt < 5 && output.Contains("Address already in use", StringComparison.Ordinal)) continue;
            throw new InvalidOperationException($"nginx did not start on 127.0.0.1:{port}:\n{output}");
        }
    }

    /// <summary><c>nginx -t</c> on the template rendered for these upstreams: the exit code and nginx's output.</summary>
    public static async Task<(int ExitCode, string Output)> CheckConfigAsync(IReadOnlyList<string> upstreams)
    {
        var prefix = CreatePrefix();
        try
        {
            var config = RenderInto(prefix, ChildProcesses.FreeTcpPort(), upstreams);
            var start = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { "-t", "-e", "stderr", "-p", prefix + "/", "-c", config }) start.ArgumentList.Add(argument);
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            return (process.ExitCode, await stdout + await stderr);
        }
        finally
        {
            Directory.Delete(prefix, recursive: true);
        }
    }

    /// <summary>The repository's file at <paramref name="relativePath"/>, found upwards from the test's output folder.</summary>
    public static string RepositoryFile(string relativePath)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Speaking.sln"))) return Path.Combine(directory.FullName, relativePath);
        }

        throw new InvalidOperationException($"No Speaking.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary>
    /// Fills the template's <c>${SPEAKING_*}</c> variables, as the nginx image's entrypoint does (other <c>$</c> names
    /// are nginx's own and stay). A variable without a value is an error rather than an empty string.
    /// </summary>
    public static string Render(string template, IReadOnlyDictionary<string, string> values) =>
        TemplateVariable().Replace(template, match => values.TryGetValue(match.Groups[1].Value, out var value)
            ? value
            : throw new InvalidOperationException($"The nginx template uses {match.Value}, which has no value."));

    /// <summary>The template's variable names (<c>SPEAKING_*</c>).</summary>
    public static IReadOnlySet<string> TemplateVariables(string template) =>
        TemplateVariable().Matches(template).Select(m => m.Groups[1].Value).ToHashSet();

    [GeneratedRegex(@"\$\{(SPEAKING_[A-Z0-9_]+)\}")]
    private static partial Regex TemplateVariable();

    private static string RenderInto(string prefix, int port, IReadOnlyList<string> upstreams)
    {
        if (upstreams.Count == 0) throw new ArgumentException("At least one upstream server.", nameof(upstreams));
        var rendered = Render(File.ReadAllText(RepositoryFile("deploy/nginx.conf")), new Dictionary<string, string>
        {
            ["SPEAKING_LISTEN"] = $"127.0.0.1:{port}",
            ["SPEAKING_UPSTREAM_SERVERS"] = string.Join(' ', upstreams.Select(u => $"server {u};")),
        });
        var path = Path.Combine(prefix, "nginx.conf");
        File.WriteAllText(path, rendered);
        return path;
    }

    /// <summary>
    /// The prefix holds the rendered config, the pid file and the temporary-file folders. Workers run as an
    /// unprivileged user when nginx starts as root, so the folder must be traversable (0755).
    /// </summary>
    private static string CreatePrefix()
    {
        var prefix = Path.Combine(Path.GetTempPath(), "speaking-nginx-" + Guid.NewGuid().ToString("N")[..12]);
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("nginx from apt: Linux only.");
        Directory.CreateDirectory(prefix);
        File.SetUnixFileMode(prefix, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return prefix;
    }

    private static Process Launch(string config, string prefix, ConcurrentQueue<string> log)
    {
        // -e stderr: errors before the config is read go to stderr, not to the distribution's /var/log/nginx.
        var start = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-e", "stderr", "-p", prefix + "/", "-c", config, "-g", "daemon off;" }) start.ArgumentList.Add(argument);
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>True once the port accepts connections; false if nginx exits first or nothing answers in 30 s.</summary>
    private static async Task<bool> AnswersAsync(Process process, int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(2));
                return true;
            }
            catch (Exception e) when (e is SocketException or TimeoutException)
            {
                await Task.Delay(50);
            }
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await ChildProcesses.StopAsync(_process);
        _process.Dispose();
        try
        {
            Directory.Delete(_prefix, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
