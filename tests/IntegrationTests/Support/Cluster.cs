namespace Speaking.IntegrationTests.Support;

/// <summary>
/// Two nodes of the service sharing one PostgreSQL database and one real redis-server (REDIS_URL set), each on its
/// own loopback port, with short heartbeats so node failures are noticed within a few seconds.
/// </summary>
public sealed class Cluster : IAsyncDisposable
{
    private Cluster(RedisProcess redis, string connectionString, IDictionary<string, string?> settings, TestHost node1, TestHost node2)
    {
        Redis = redis;
        ConnectionString = connectionString;
        Settings = settings;
        Node1 = node1;
        Node2 = node2;
    }

    public RedisProcess Redis { get; }
    public string ConnectionString { get; }

    /// <summary>Every node's settings (REDIS_URL, heartbeat, and the test's own).</summary>
    public IDictionary<string, string?> Settings { get; }

    public TestHost Node1 { get; private set; }
    public TestHost Node2 { get; private set; }

    public static async Task<Cluster> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var redis = await RedisProcess.StartAsync();
        var connectionString = await SharedPostgres.CreateDatabaseAsync();
        var all = new Dictionary<string, string?> { ["REDIS_URL"] = redis.Url, ["NODE_HEARTBEAT_SECONDS"] = "1" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) all[key] = value;
        var node1 = await TestHost.StartAsync(all, connectionString);
        var node2 = await TestHost.StartAsync(all, connectionString);
        return new Cluster(redis, connectionString, all, node1, node2);
    }

    /// <summary>A third node as a process of its own (so it can be killed), with the cluster's settings.</summary>
    public Task<ServiceProcess> StartProcessNodeAsync() =>
        ServiceProcess.StartAsync(ConnectionString, Settings.Where(s => s.Value is not null).ToDictionary(s => s.Key, s => s.Value!));

    /// <summary>Stops node 1 cleanly and starts a fresh one on the same database and Redis (a rolling restart).</summary>
    public async Task RestartNode1Async()
    {
        await Node1.DisposeAsync();
        Node1 = await TestHost.StartAsync(Settings, ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        await Node1.DisposeAsync();
        await Node2.DisposeAsync();
        await Redis.DisposeAsync();
    }
}
