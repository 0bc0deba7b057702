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
/// With several nodes: a <see cref="RedisServer"/> of its own and that many processes on one database, each with
/// REDIS_URL (the default NODE_HEARTBEAT_SECONDS). Or, with <c>--url</c>, an already running service (then DATABASE_URL
/// and SECRET_KEY say how to seed users, and <c>--pid</c> says whose memory to measure).
/// </summary>
public sealed class ServiceUnderTest : IAsyncDisposable
{
    private readonly EmbeddedPostgres? _postgres;
    private readonly RedisServer? _redis;
    private readonly string? _home;
    private readonly JwtTokenService _tokens;
    private readonly NpgsqlDataSource _db;
    private readonly string _runId = Guid.NewGuid().ToString("N")[..8];
    private int _seeded;

    private ServiceUnderTest(IReadOnlyList<Node> nodes, string connectionString, string secret, int interval, EmbeddedPostgres? postgres,
        RedisServer? redis, string? home)
    {
        Nodes = nodes;
        ConnectionString = connectionString;
        RouletteIntervalSeconds = interval;
        _postgres = postgres;
        _redis = redis;
        _home = home;
        _tokens = new JwtTokenService(new JwtSettings { Key = Encoding.UTF8.GetBytes(secret) }, TimeProvider.System);
        _db = NpgsqlDataSource.Create(connectionString);
    }

    /// <summary>One service process: where it listens, and its pid (null when attached by URL without <c>--pid</c>).</summary>
    public sealed record Node(Uri BaseUri, int? Pid, ChildProcess? Process);

    /// <summary>The service's processes: one, or several sharing Redis and the database.</summary>
    public IReadOnlyList<Node> Nodes { get; }

    /// <summary>The first node's address (the only one with one node).</summary>
    public Uri BaseUri => Nodes[0].BaseUri;

    public string ConnectionString { get; }

    /// <summary>The first node's process id (for RSS, GC and counters); null when attached by URL without <c>--pid</c>.</summary>
    public int? Pid => Nodes[0].Pid;

    public int RouletteIntervalSeconds { get; }

    public bool Started => Nodes[0].Process is not null;

    public NpgsqlDataSource Database => _db;

    /// <summary>A socket of this user on the first node.</summary>
    public Uri WebSocketUri(SeededUser user) => WebSocketUri(user, 0);

    public Uri WebSocketUri(SeededUser user, int node) => new($"ws://{Nodes[node].BaseUri.Authority}/ws/match/{user.IdText}?token={user.Token}");

    /// <summary>The node of each user of <paramref name="users"/> (by id), alternating in list order: 0, 1, 0, 1, …</summary>
    public IReadOnlyDictionary<string, int> Spread(IReadOnlyList<SeededUser> users) =>
        users.Select((u, i) => (u.IdText, Node: i % Nodes.Count)).ToDictionary(x => x.IdText, x => x.Node);

    /// <summary>Resident set size of every node now, in node order (null where it cannot be read).</summary>
    public long?[] RssBytes() => Nodes.Select(n => n.Pid is { } pid ? Machine.RssBytes(pid) : null).ToArray();

    /// <summary><c>--nodes N</c> (1 or 2), or both one after the other with <c>--compare-nodes</c>.</summary>
    public static int[] NodeLayouts(Options options)
    {
        var compare = options.Flag("compare-nodes");
        if (compare && options.Get("nodes") is not null) throw new UsageException("--compare-nodes runs 1 node and then 2; leave out --nodes");
        return compare ? [1, 2] : [options.Int("nodes", 1, 1, 2)];
    }

    /// <param name="nodes">How many service processes to start; more than one starts a redis-server for them to share.</param>
    /// <param name="settings">Extra service settings (environment variables), e.g. the connection caps.</param>
    public static async Task<ServiceUnderTest> StartAsync(Options options, int rouletteIntervalSeconds, IDictionary<string, string?> settings,
        CancellationToken ct, int nodes = 1)
    {
        var url = options.Get("url");
        var pidText = options.Get("pid");
        var apiDll = options.Get("api-dll");
        var extra = options.GetAll("env");
        var echo = options.Flag("verbose");
        var databaseUrl = Environment.GetEnvironmentVariable("DATABASE_URL") is { Length: > 0 } d ? d : null;

        if (url is not null)
        {
            if (nodes > 1) throw new UsageException("--url attaches to one running node; --nodes 2 and --compare-nodes start their own");
            var uri = new Uri(url.TrimEnd('/'));
            if (!Machine.IsLoopbackHost(uri.Host)) throw new UsageException($"--url must be a loopback address (got {uri.Host})");
            if (databaseUrl is null) throw new UsageException("--url needs DATABASE_URL (to seed users) in the environment");
            var secret = Environment.GetEnvironmentVariable("SECRET_KEY") ?? Environment.GetEnvironmentVariable("JWT_SECRET")
                ?? throw new UsageException("--url needs SECRET_KEY (to mint tokens) in the environment");
            var connection = LoopbackConnectionString(databaseUrl);
            var pid = pidText is null ? (int?)null : int.Parse(pidText, System.Globalization.CultureInfo.InvariantCulture);
            Output.Progress($"using the running service at {uri} (pid {pid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown: no memory figures"}), roulette interval taken as {rouletteIntervalSeconds} s");
            return new ServiceUnderTest([new Node(uri, pid, null)], connection, secret, rouletteIntervalSeconds, null, null, null);
        }

        var dll = apiDll ?? Paths.ApiDll();
        if (!File.Exists(dll)) throw new UsageException($"The service is not built: {dll} is missing (dotnet build Speaking.sln -c Release, or --api-dll PATH)");
        var home = Path.Combine(Path.GetTempPath(), "speaking-loadtool-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(home);
        EmbeddedPostgres? postgres = null;
        RedisServer? redis = null;
        var processes = new List<ChildProcess>();
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

            var nodeConnectionString = connectionString;
            if (nodes > 1)
            {
                redis = await RedisServer.StartAsync(home, echo, ct);
                nodeConnectionString = await SharePoolAsync(connectionString, nodes, ct);
            }

            var secretKey = Environment.GetEnvironmentVariable("SECRET_KEY") is { Length: > 0 } s ? s : "load-tool-" + Guid.NewGuid().ToString("N");
            var started = new List<Node>();
            for (var n = 0; n < nodes; n++)
            {
                var port = Machine.FreePort();
                var environment = new Dictionary<string, string?>
                {
                    ["DATABASE_URL"] = nodeConnectionString,
                    ["SECRET_KEY"] = secretKey,
                    ["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["ROULETTE_INTERVAL_SECONDS"] = rouletteIntervalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["SPEAKING_DATA_DIR"] = Path.Combine(home, "data" + (n == 0 ? "" : n.ToString(System.Globalization.CultureInfo.InvariantCulture))),
                    ["LOG_FORMAT"] = "text",
                    ["Serilog__MinimumLevel__Default"] = echo ? "Information" : "Warning",
                    ["REGISTER_MAX_PER_ADDRESS"] = "1000000",
                    ["ASPNETCORE_ENVIRONMENT"] = "Production",
                    ["DOTNET_ENVIRONMENT"] = null,
                    ["ASPNETCORE_URLS"] = null,
                    ["DOTNET_gcServer"] = null,
                    ["REDIS_URL"] = redis?.Url,
                };
                foreach (var (key, value) in settings) environment[key] = value;
                foreach (var pair in extra)
                {
                    var eq = pair.IndexOf('=');
                    if (eq <= 0) throw new UsageException($"--env takes NAME=VALUE (got '{pair}')");
                    environment[pair[..eq]] = pair[(eq + 1)..];
                }

                var name = nodes == 1 ? "service" : $"node {n + 1}";
                Output.Progress($"starting the {name}: dotnet {dll} on port {port} ({string.Join(", ", settings.Select(kv => kv.Key + "=" + kv.Value))}" +
                                $"{(redis is null ? "" : ", REDIS_URL=" + redis.Url)})");
                // The working directory is the throwaway home, so a developer's .env file is not read.
                var process = ChildProcess.Start(name, Paths.Dotnet(), [dll], environment, home, echo);
                processes.Add(process);
                started.Add(new Node(new Uri($"http://127.0.0.1:{port}"), process.Pid, process));
            }

            foreach (var node in started)
            {
                await WaitHealthyAsync(node.BaseUri, node.Process!, ct);
                Output.Progress($"{node.Process!.Name} ready at {node.BaseUri} (pid {node.Pid})");
            }

            return new ServiceUnderTest(started, connectionString, secretKey, rouletteIntervalSeconds, postgres, redis, home);
        }
        catch
        {
            foreach (var process in processes) await process.DisposeAsync();
            if (redis is not null) await redis.DisposeAsync();
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

    public string ProcessTail() => string.Concat(Nodes.Select(n => n.Process?.Tail() ?? ""));

    public bool ProcessExited => Nodes.Any(n => n.Process?.HasExited ?? false);

    public async ValueTask DisposeAsync()
    {
        await _db.DisposeAsync();
        var processes = Nodes.Select(n => n.Process).OfType<ChildProcess>().ToArray();
        if (processes.Length > 0) Output.Progress($"stopping the {string.Join(" and the ", processes.Select(p => p.Name))}");
        await Task.WhenAll(processes.Select(p => p.DisposeAsync().AsTask()));

        if (_redis is not null) await _redis.DisposeAsync();
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

    /// <summary>
    /// The nodes' connection string with Maximum Pool Size set so that all their pools together fit in the server's
    /// max_connections (less 20 for the tool and stray sessions): each node's Npgsql pool defaults to 100, and the
    /// throwaway PostgreSQL allows 200, so two full pools would be refused with 53300 "too many clients".
    /// </summary>
    private static async Task<string> SharePoolAsync(string connectionString, int nodes, CancellationToken ct)
    {
        await using var db = NpgsqlDataSource.Create(connectionString);
        await using var command = db.CreateCommand("SHOW max_connections");
        var max = int.Parse((string)(await command.ExecuteScalarAsync(ct))!, System.Globalization.CultureInfo.InvariantCulture);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        builder.MaxPoolSize = Math.Clamp((max - 20) / nodes, 5, builder.MaxPoolSize);
        Output.Progress($"PostgreSQL allows {max} connections: each of the {nodes} nodes gets a pool of at most {builder.MaxPoolSize}");
        return builder.ConnectionString;
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
