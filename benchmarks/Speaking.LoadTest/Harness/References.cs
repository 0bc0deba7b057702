using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Speaking.LoadTest.Harness;

/// <summary>
/// The bare references a run is compared against, started by the same invocation on this machine:
/// the Node <c>ws</c> relay in benchmarks/bare-relay and a bare Kestrel app (this tool's own <c>bare-kestrel</c>
/// subcommand, in its own process, with the service's GC mode).
/// </summary>
public static partial class References
{
    public sealed record Started(ChildProcess Process, int Port) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Process.DisposeAsync();
    }

    /// <summary>Installs the relay's npm dependencies when node_modules is missing (npm ci from the committed lock file), then starts it.</summary>
    public static async Task<Started> StartBareRelayAsync(string? directory, bool echo, CancellationToken ct)
    {
        var dir = directory ?? Paths.BareRelayDirectory();
        if (!File.Exists(Path.Combine(dir, "server.js"))) throw new UsageException($"The bare relay is not at {dir} (server.js missing)");
        if (!Directory.Exists(Path.Combine(dir, "node_modules", "ws")))
        {
            Output.Progress($"installing the bare relay's dependencies (npm ci in {dir})");
            await RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], dir, TimeSpan.FromMinutes(5), ct);
        }

        var process = ChildProcess.Start("bare-relay", "node", ["server.js", "0"], new Dictionary<string, string?>(), dir, echo);
        var match = await process.WaitForLineAsync(ListeningLine(), TimeSpan.FromSeconds(30), ct);
        var port = int.Parse(match.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture);
        Output.Progress($"bare relay (node {NodeVersion()}, ws) listening on 127.0.0.1:{port}, pid {process.Pid}");
        return new Started(process, port);
    }

    /// <summary>Starts this tool again as <c>bare-kestrel</c>, with the GC mode the service's runtimeconfig asks for.</summary>
    public static async Task<Started> StartBareKestrelAsync(string apiDll, bool echo, CancellationToken ct)
    {
        var environment = new Dictionary<string, string?>
        {
            ["DOTNET_gcServer"] = ServiceUsesServerGc(apiDll) ? "1" : "0",
            ["ASPNETCORE_URLS"] = null,
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        var process = ChildProcess.Start("bare-kestrel", Paths.Dotnet(), [Paths.ToolDll(), "bare-kestrel"], environment,
            Path.GetTempPath(), echo);
        var match = await process.WaitForLineAsync(ListeningLine(), TimeSpan.FromSeconds(60), ct);
        var port = int.Parse(match.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture);
        Output.Progress($"bare Kestrel listening on 127.0.0.1:{port}, pid {process.Pid} (server GC: {environment["DOTNET_gcServer"]})");
        return new Started(process, port);
    }

    /// <summary>The <c>bare-kestrel</c> subcommand: a minimal ASP.NET Core app answering GET /health, until stopped.</summary>
    public static async Task<int> RunBareKestrelAsync(Options options)
    {
        var port = options.Int("port", 0, 0, 65535);
        options.RejectUnknown();
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
        var app = builder.Build();
        app.MapGet("/health", () => Results.Ok(new { status = "healthy" }));
        await app.StartAsync();
        var bound = new Uri(app.Urls.First()).Port;
        Console.Out.WriteLine($"listening on 127.0.0.1:{bound}");
        Console.Out.Flush();
        await app.WaitForShutdownAsync();
        return 0;
    }

    public static bool ServiceUsesServerGc(string apiDll)
    {
        var config = Path.ChangeExtension(apiDll, ".runtimeconfig.json");
        if (!File.Exists(config)) return false;
        using var json = JsonDocument.Parse(File.ReadAllText(config));
        return json.RootElement.TryGetProperty("runtimeOptions", out var runtime)
               && runtime.TryGetProperty("configProperties", out var properties)
               && properties.TryGetProperty("System.GC.Server", out var server) && server.ValueKind == JsonValueKind.True;
    }

    public static async Task RunAsync(string file, IEnumerable<string> args, string directory, TimeSpan timeout, CancellationToken ct)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} did not finish within {timeout.TotalSeconds:0} s");
        }

        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {(await stderr).Trim()} {(await stdout).Trim()}");
    }

    private static string NodeVersion()
    {
        try
        {
            using var node = Process.Start(new ProcessStartInfo("node", "--version") { RedirectStandardOutput = true })!;
            var version = node.StandardOutput.ReadToEnd().Trim();
            node.WaitForExit(5000);
            return version;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "?";
        }
    }

    [GeneratedRegex(@"listening on 127\.0\.0\.1:(?<port>\d+)")]
    private static partial Regex ListeningLine();
}
