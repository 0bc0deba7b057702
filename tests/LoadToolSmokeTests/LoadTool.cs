using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Speaking.Infrastructure.Persistence;

namespace Speaking.LoadToolSmokeTests;

/// <summary>What one run of the load tool left: its exit code, its one JSON line (stdout) and its progress (stderr).</summary>
public sealed record ToolRun(int ExitCode, JsonElement Json, string[] StdoutLines, string Stderr)
{
    public JsonElement Results => Json.GetProperty("results");

    public string Describe() => $"exit {ExitCode}{Environment.NewLine}stdout: {string.Join(Environment.NewLine, StdoutLines)}{Environment.NewLine}stderr:{Environment.NewLine}{Stderr}";
}

/// <summary>
/// Runs the built load tool (<c>dotnet benchmarks/Speaking.LoadTest/bin/&lt;config&gt;/net10.0/Speaking.LoadTest.dll</c>) as
/// a process, the way a person does, against one throwaway PostgreSQL shared by the smoke runs (DATABASE_URL), so
/// each run only starts the service itself. Every run is bounded by the tool's --max-seconds and by a kill here.
/// </summary>
public sealed class LoadTool : IAsyncLifetime
{
    private EmbeddedPostgres? _postgres;

    public static string RepositoryRoot { get; } = FindRoot();

    public static string ToolDll
    {
        get
        {
            var parts = AppContext.BaseDirectory.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
            var bin = Array.LastIndexOf(parts, "bin");
            var configuration = bin >= 0 && bin + 1 < parts.Length ? parts[bin + 1] : "Release";
            return Path.Combine(RepositoryRoot, "benchmarks", "Speaking.LoadTest", "bin", configuration, "net10.0", "Speaking.LoadTest.dll");
        }
    }

    public async Task InitializeAsync()
    {
        var home = Path.Combine(Path.GetTempPath(), $"speaking-loadtool-smoke-{Environment.ProcessId}-{Guid.NewGuid():N}");
        _postgres = await EmbeddedPostgres.StartAsync(home, NullLogger.Instance, fast: true, deleteOnDispose: true);
    }

    public async Task DisposeAsync()
    {
        if (_postgres is not null) await _postgres.DisposeAsync();
    }

    public async Task<ToolRun> RunAsync(params string[] args)
    {
        File.Exists(ToolDll).ShouldBeTrue($"the load tool is not built: {ToolDll}");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = RepositoryRoot,
        };
        start.ArgumentList.Add(ToolDll);
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["DATABASE_URL"] = _postgres!.ConnectionString;
        start.Environment.Remove("SECRET_KEY");

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(240));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the load tool did not end within 240 s: {string.Join(' ', args)}{Environment.NewLine}{await stderr}");
        }

        var lines = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var error = await stderr;
        lines.Length.ShouldBe(1, $"stdout must hold exactly one JSON line{Environment.NewLine}{string.Join(Environment.NewLine, lines)}{Environment.NewLine}{error}");
        JsonElement json;
        try
        {
            json = JsonDocument.Parse(lines[0]).RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new ShouldAssertException($"the last line is not JSON ({e.Message}): {lines[0]}{Environment.NewLine}{error}");
        }

        return new ToolRun(process.ExitCode, json, lines, error);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Speaking.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException("Speaking.sln not found above " + AppContext.BaseDirectory);
    }
}
