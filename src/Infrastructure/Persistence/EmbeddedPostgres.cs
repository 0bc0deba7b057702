using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Speaking.Infrastructure.Persistence;

/// <summary>
/// A private PostgreSQL server for the embedded default (no DATABASE_URL) and for the test suite. It uses the
/// machine's PostgreSQL binaries (PATH or /usr/lib/postgresql/*/bin), keeps its data in a folder that is
/// created on first use and reused afterwards, listens on 127.0.0.1 on a free port with its socket in the data
/// folder, and runs as the <c>postgres</c> user when the process is root (PostgreSQL refuses to run as root).
/// Disposing it stops the server.
/// </summary>
public sealed class EmbeddedPostgres : IAsyncDisposable
{
    public const string DatabaseName = "speaking";
    private const string SuperUser = "speaking";

    private readonly string _binDirectory;
    private readonly bool _asPostgresUser;
    private readonly ILogger _logger;
    private readonly bool _deleteOnDispose;
    private readonly bool _fast;
    private bool _stopped;

    private EmbeddedPostgres(string binDirectory, string dataDirectory, int port, bool asPostgresUser, bool fast, bool deleteOnDispose,
        ILogger logger)
    {
        _fast = fast;
        _binDirectory = binDirectory;
        DataDirectory = dataDirectory;
        Port = port;
        _asPostgresUser = asPostgresUser;
        _deleteOnDispose = deleteOnDispose;
        _logger = logger;
    }

    public string DataDirectory { get; }

    public int Port { get; }

    /// <summary>The folder that holds the data folder; files that belong with the data (the generated key) go here.</summary>
    public string HomeDirectory => Path.GetDirectoryName(DataDirectory)!;

    public string ConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1", Port = Port, Username = SuperUser, Database = DatabaseName, Pooling = true,
    }.ConnectionString;

    /// <summary>
    /// Starts (creating on first use) the cluster in <paramref name="home"/>/postgres. When the postgres user cannot
    /// reach that folder, a folder it can reach is used instead, and the log says where.
    /// </summary>
    public static async Task<EmbeddedPostgres> StartAsync(string home, ILogger logger, bool fast = false, bool deleteOnDispose = false,
        CancellationToken ct = default)
    {
        var bin = FindBinaries();
        var asPostgres = Environment.UserName == "root" || Environment.IsPrivilegedProcess;
        var dataDirectory = Path.Combine(Path.GetFullPath(home), "postgres");
        if (asPostgres && !PostgresUserCanReach(Path.GetFullPath(home)))
        {
            var fallbackHome = Path.Combine("/var/tmp", "speaking-" + StableSuffix(Path.GetFullPath(home)));
            logger.LogWarning("The postgres user cannot reach {Home}; the embedded database lives in {Fallback} instead", home, fallbackHome);
            dataDirectory = Path.Combine(fallbackHome, "postgres");
        }

        var server = new EmbeddedPostgres(bin, dataDirectory, FreePort(), asPostgres, fast, deleteOnDispose, logger);
        await server.InitAndStartAsync(ct);
        return server;
    }

    public static string FindBinaries()
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(Directory.Exists("/usr/lib/postgresql")
                ? Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => d, StringComparer.Ordinal).Select(d => Path.Combine(d, "bin"))
                : []);
        foreach (var dir in candidates)
        {
            if (File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl"))) return dir;
        }

        throw new InvalidOperationException(
            "No PostgreSQL server binaries (initdb, pg_ctl) were found on PATH or under /usr/lib/postgresql/*/bin. " +
            "Install them with: apt-get install -y postgresql  (or set DATABASE_URL to an existing database).");
    }

    private async Task InitAndStartAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(HomeDirectory);
        var fresh = !File.Exists(Path.Combine(DataDirectory, "PG_VERSION"));
        if (fresh)
        {
            Directory.CreateDirectory(DataDirectory);
            GiveToPostgres(HomeDirectory);
            GiveToPostgres(DataDirectory);
            await RunAsync("initdb", ["-D", DataDirectory, "-U", SuperUser, "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"], ct);
            _logger.LogInformation("Created the embedded PostgreSQL cluster in {DataDirectory}", DataDirectory);
        }
        else
        {
            GiveToPostgres(DataDirectory);
            // A server left running by a killed process holds the folder: stop it before starting ours.
            if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid"))) await StopServerAsync(ct);
        }

        await StartServerAsync(ct);

        await using (var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString))
        {
            await admin.OpenAsync(ct);
            await using var exists = new NpgsqlCommand($"SELECT 1 FROM pg_database WHERE datname = '{DatabaseName}'", admin);
            if (await exists.ExecuteScalarAsync(ct) is null)
            {
                await using var create = new NpgsqlCommand($"CREATE DATABASE {DatabaseName}", admin);
                await create.ExecuteNonQueryAsync(ct);
            }
        }

        _logger.LogInformation("Embedded PostgreSQL is listening on 127.0.0.1:{Port} (data: {DataDirectory})", Port, DataDirectory);
    }

    public async Task StopAsync()
    {
        if (_stopped) return;
        _stopped = true;
        await StopServerAsync(CancellationToken.None);
        _logger.LogInformation("Embedded PostgreSQL stopped");
    }

    /// <summary>Starts the server again after <see cref="StopAsync"/>, on the same port (used by fault tests).</summary>
    public async Task RestartAsync(CancellationToken ct = default)
    {
        _stopped = false;
        await StartServerAsync(ct);
    }

    private Task StartServerAsync(CancellationToken ct)
    {
        var options = $"-p {Port} -k {DataDirectory} -c listen_addresses=127.0.0.1 -c max_connections=200";
        if (_fast) options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
        return RunAsync("pg_ctl", ["-D", DataDirectory, "-o", options, "-l", Path.Combine(DataDirectory, "server.log"), "-w", "-t", "60", "start"], ct);
    }

    /// <summary>A fast (clean) shutdown: sessions are disconnected and a checkpoint is written.</summary>
    private Task StopServerAsync(CancellationToken ct) =>
        RunAsync("pg_ctl", ["-D", DataDirectory, "-m", "fast", "-w", "-t", "30", "stop"], ct, allowFailure: true);

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_deleteOnDispose)
        {
            try { Directory.Delete(HomeDirectory, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    private async Task RunAsync(string tool, IReadOnlyList<string> args, CancellationToken ct, bool allowFailure = false)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (_asPostgresUser)
        {
            start.FileName = "runuser";
            foreach (var a in new[] { "-u", "postgres", "--", Path.Combine(_binDirectory, tool) }) start.ArgumentList.Add(a);
        }
        else
        {
            start.FileName = Path.Combine(_binDirectory, tool);
        }

        foreach (var a in args) start.ArgumentList.Add(a);
        start.WorkingDirectory = "/";

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {tool}.");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0 && !allowFailure)
        {
            throw new InvalidOperationException($"{tool} failed with exit code {process.ExitCode}: {(await stderr).Trim()} {(await stdout).Trim()}".Trim());
        }
    }

    private void GiveToPostgres(string path)
    {
        if (!_asPostgresUser || OperatingSystem.IsWindows()) return;
        using var chown = Process.Start(new ProcessStartInfo("chown", ["-R", "postgres:postgres", path]) { UseShellExecute = false });
        chown?.WaitForExit();
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>Every ancestor of the folder must be searchable (x) by "other" for the postgres user to reach it.</summary>
    private static bool PostgresUserCanReach(string path)
    {
        if (OperatingSystem.IsWindows()) return true;
        for (var current = new DirectoryInfo(path).Parent; current is not null; current = current.Parent)
        {
            if (!current.Exists) continue;
            if ((current.UnixFileMode & UnixFileMode.OtherExecute) == 0) return false;
        }

        return true;
    }

    private static string StableSuffix(string path) =>
        Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(path)))[..12].ToLowerInvariant();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
