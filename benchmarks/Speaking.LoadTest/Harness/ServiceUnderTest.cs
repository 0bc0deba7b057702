using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using Speaking.Infrastructure.Auth;
using Speaking.Infrastructure.Configuration;
using Speaking.Infrastructure.Persistence;

namespace Speaking.LoadTest.Harness;

/// <summary>A user put straight into the database, with a token minted exactly as the service mints them.</summary>
public sealed record SeededUser(Guid Id, string Token)
{
    public string IdText { get; } = Id.ToString();
}

/// <summary>
/// The service under test, in its own process: <c>dotnet src/Api/bin/Release/net10.0/Speaking.Api.dll</c> against a
/// throwaway PostgreSQL (the project's <see cref="EmbeddedPostgres"/>, fsync off, deleted afterwards) unless
/// DATABASE_URL is set, with SECRET_KEY, PORT, ROULETTE_INTERVAL_SECONDS, the connection caps and a quiet log level.
/// Or, with <c>--url</c>, an already running service (then DATABASE_URL and SECRET_KEY say how to seed users, and
/// <c>--pid</c> says whose memory to measure).
/// </summary>
public sealed class ServiceUnderTest : IAsyncDisposable
{
    private readonly EmbeddedPostgres? _postgres;
    private readonly ChildProcess? _process;
    private readonly string? _home;
    private readonly JwtTokenService _tokens;
    private readonly NpgsqlDataSource _db;
    private readonly string _runId = Guid.NewGuid().ToString("N")[..8];
    private int _seeded;

    private ServiceUnderTest(Uri baseUri, string connectionString, string secret, int? pid, int interval, EmbeddedPostgres? postgres,
        ChildProcess? process, string? home)
    {
        BaseUri = baseUri;
        ConnectionString = connectionString;
        Pid = pid;
        RouletteIntervalSeconds = interval;
        _postgres = postgres;
        _process = process;
        _home = home;
        _tokens = new JwtTokenService(new JwtSettings { Key = Encoding.UTF8.GetBytes(secret) }, TimeProvider.System);
        _db = NpgsqlDataSource.Create(connectionString);
    }

    public Uri BaseUri { get; }

    public string ConnectionString { get; }

    /// <summary>The server's process id (for RSS, GC and counters); null when attached by URL without <c>--pid</c>.</summary>
    public int? Pid { get; }

    public int RouletteIntervalSeconds { get; }

    public bool Started => _process is not null;

    public NpgsqlDataSource Database => _db;

    public Uri WebSocketUri(SeededUser user) => new($"ws://{BaseUri.Authority}/ws/match/{user.IdText}?token={user.Token}");

    /// <param name="settings">Extra service settings (environment variables), e.g. the connection caps.</param>
    public static async Task<ServiceUnderTest> StartAsync(Options options, int rouletteIntervalSeconds, IDictionary<string, string?> settings,
        CancellationToken ct)
    {
        var url = options.Get("url");
        var pidText = options.Get("pid");
        var apiDll = options.Get("api-dll");
        var extra = options.GetAll("env");
        var echo = options.Flag("verbose");
        var databaseUrl = Environment.GetEnvironmentVariable("DATABASE_URL") is { Length: > 0 } d ? d : null;

        if (url is not null)
        {
            var uri = new Uri(url.TrimEnd('/'));
            if (!Machine.IsLoopbackHost(uri.Host)) throw new UsageException($"--url must be a loopback address (got {uri.Host})");
            if (databaseUrl is null) throw new UsageException("--url needs DATABASE_URL (to seed users) in the environment");
            var secret = Environment.GetEnvironmentVariable("SECRET_KEY") ?? Environment.GetEnvironmentVariable("JWT_SECRET")
                ?? throw new UsageException("--url needs SECRET_KEY (to mint tokens) in the environment");
            var connection = LoopbackConnectionString(databaseUrl);
            var pid = pidText is null ? (int?)null : int.Parse(pidText, System.Globalization.CultureInfo.InvariantCulture);
            Output.Progress($"using the running service at {uri} (pid {pid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown: no memory figures"}), roulette interval taken as {rouletteIntervalSeconds} s");
            return new ServiceUnderTest(uri, connection, secret, pid, rouletteIntervalSeconds, null, null, null);
        }

        var dll = apiDll ?? Paths.ApiDll();
        if (!File.Exists(dll)) throw new UsageException($"The service is not built: {dll} is missing (dotnet build Speaking.sln -c Release, or --api-dll PATH)");
        var home = Path.Combine(Path.GetTempPath(), "speaking-loadtool-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(home);
        EmbeddedPostgres? postgres = null;
        ChildProcess? process = null;
        try
        {
            string connectionString;
            if (databaseUrl is not null)
            {
                connectionString = LoopbackConnectionString(databaseUrl);
                Output.Progress("using the database of DATABASE_URL");
            }
            else
            {
                Output.Progress("starting a throwaway PostgreSQL (fsync off)");
                postgres = await EmbeddedPostgres.StartAsync(home, NullLogger.Instance, fast: true, deleteOnDispose: true, ct);
                connectionString = postgres.ConnectionString;
            }

            var secretKey = Environment.GetEnvironmentVariable("SECRET_KEY") is { Length: > 0 } s ? s : "load-tool-" + Guid.NewGuid().ToString("N");
            var port = Machine.FreePort();
            var environment = new Dictionary<string, string?>
            {
                ["DATABASE_URL"] = connectionString,
                ["SECRET_KEY"] = secretKey,
                ["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["ROULETTE_INTERVAL_SECONDS"] = rouletteIntervalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["SPEAKING_DATA_DIR"] = Path.Combine(home, "data"),
                ["LOG_FORMAT"] = "text",
                ["Serilog__MinimumLevel__Default"] = echo ? "Information" : "Warning",
                ["REGISTER_MAX_PER_ADDRESS"] = "1000000",
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["DOTNET_ENVIRONMENT"] = null,
                ["ASPNETCORE_URLS"] = null,
                ["DOTNET_gcServer"] = null,
            };
            foreach (var (key, value) in settings) environment[key] = value;
            foreach (var pair in extra)
            {
                var eq = pair.IndexOf('=');
                if (eq <= 0) throw new UsageException($"--env takes NAME=VALUE (got '{pair}')");
                environment[pair[..eq]] = pair[(eq + 1)..];
            }

            Output.Progress($"starting the service: dotnet {dll} on port {port} ({string.Join(", ", settings.Select(kv => kv.Key + "=" + kv.Value))})");
            // The working directory is the throwaway home, so a developer's .env file is not read.
            process = ChildProcess.Start("service", Paths.Dotnet(), [dll], environment, home, echo);
            var baseUri = new Uri($"http://127.0.0.1:{port}");
            await WaitHealthyAsync(baseUri, process, ct);
            Output.Progress($"service ready at {baseUri} (pid {process.Pid})");
            return new ServiceUnderTest(baseUri, connectionString, secretKey, process.Pid, rouletteIntervalSeconds, postgres, process, home);
        }
        catch
        {
            if (process is not null) await process.DisposeAsync();
            if (postgres is not null) await postgres.DisposeAsync();
            TryDelete(home);
            throw;
        }
    }

    /// <summary>
    /// Inserts users straight into the <c>users</c> table (binary COPY; the deliberately slow password hash is skipped,
    /// so these users cannot log in) and mints a token for each, exactly as <see cref="JwtTokenService.Issue"/> does.
    /// </summary>
    public async Task<SeededUser[]> SeedUsersAsync(int count, CancellationToken ct)
    {
        var users = new SeededUser[count];
        var now = DateTime.UtcNow;
        await using var connection = await _db.OpenConnectionAsync(ct);
        await using (var writer = await connection.BeginBinaryImportAsync(
            "COPY users (id, email, password_hash, username, current_level, target_score, is_online, last_seen, created_at, updated_at) FROM STDIN (FORMAT BINARY)", ct))
        {
            for (var i = 0; i < count; i++)
            {
                var n = Interlocked.Increment(ref _seeded);
                var id = Guid.NewGuid();
                users[i] = new SeededUser(id, _tokens.Issue(id));
                await writer.StartRowAsync(ct);
                await writer.WriteAsync(id, NpgsqlDbType.Uuid, ct);
                await writer.WriteAsync($"load-{_runId}-{n}@loadtool.test", NpgsqlDbType.Varchar, ct);
                await writer.WriteAsync("seeded-by-the-load-tool (no password)", NpgsqlDbType.Varchar, ct);
                await writer.WriteAsync($"load{n}", NpgsqlDbType.Varchar, ct);
                await writer.WriteAsync(6.0, NpgsqlDbType.Double, ct);
                await writer.WriteAsync(7.0, NpgsqlDbType.Double, ct);
                await writer.WriteAsync(false, NpgsqlDbType.Boolean, ct);
                await writer.WriteAsync(now, NpgsqlDbType.TimestampTz, ct);
                await writer.WriteAsync(now.AddTicks(n * 10), NpgsqlDbType.TimestampTz, ct);
                await writer.WriteAsync(now, NpgsqlDbType.TimestampTz, ct);
            }

            await writer.CompleteAsync(ct);
        }

        return users;
    }

    public async Task<long> ScalarAsync(string sql, CancellationToken ct)
    {
        await using var command = _db.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    public string ProcessTail() => _process?.Tail() ?? "";

    public bool ProcessExited => _process?.HasExited ?? false;

    public async ValueTask DisposeAsync()
    {
        await _db.DisposeAsync();
        if (_process is not null)
        {
            Output.Progress("stopping the service");
            await _process.DisposeAsync();
        }

        if (_postgres is not null) await _postgres.DisposeAsync();
        if (_home is not null) TryDelete(_home);
    }

    private static async Task WaitHealthyAsync(Uri baseUri, ChildProcess process, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (process.HasExited) throw new InvalidOperationException("The service exited during start-up." + process.Tail());
            try
            {
                using var response = await http.GetAsync("/health", ct);
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
            }

            if (DateTime.UtcNow > deadline) throw new InvalidOperationException("The service did not answer /health within 90 s." + process.Tail());
            await Task.Delay(100, ct);
        }
    }

    /// <summary>The Npgsql form of DATABASE_URL, refused unless it names this machine (loopback or a Unix socket).</summary>
    private static string LoopbackConnectionString(string databaseUrl)
    {
        var connectionString = DatabaseUrl.ToConnectionString(databaseUrl);
        var host = new NpgsqlConnectionStringBuilder(connectionString).Host ?? "localhost";
        if (host.Split(',').Any(h => !h.StartsWith('/') && !Machine.IsLoopbackHost(h)))
            throw new UsageException($"DATABASE_URL must point at this machine (loopback or a Unix socket); got host {host}");
        return connectionString;
    }

    private static void TryDelete(string directory)
    {
        try { Directory.Delete(directory, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
