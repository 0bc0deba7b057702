using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Speaking.Infrastructure.Persistence;

namespace Speaking.IntegrationTests.Support;

/// <summary>
/// One throwaway PostgreSQL cluster for the whole test run (the same component the service uses for its embedded
/// default), with a migrated template database. Every test host gets its own database cloned from the template,
/// so hosts never see each other's users, queues or sessions.
/// </summary>
public static class SharedPostgres
{
    private const string Template = "speaking_template";
    private static readonly Lazy<Task<EmbeddedPostgres>> Cluster = new(StartAsync);
    private static int _databases;

    public static async Task<string> CreateDatabaseAsync()
    {
        var cluster = await Cluster.Value;
        var name = $"test_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}";
        await using (var admin = new NpgsqlConnection(AdminConnectionString(cluster)))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name} TEMPLATE {Template}", admin);
            await create.ExecuteNonQueryAsync();
        }

        return ConnectionStringFor(cluster, name);
    }

    /// <summary>An empty database (no schema) for tests of the migration runner itself.</summary>
    public static async Task<string> CreateEmptyDatabaseAsync()
    {
        var cluster = await Cluster.Value;
        var name = $"empty_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}";
        await using var admin = new NpgsqlConnection(AdminConnectionString(cluster));
        await admin.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
        await create.ExecuteNonQueryAsync();
        return ConnectionStringFor(cluster, name);
    }

    /// <summary>
    /// A test database's connection string. Test classes run two at a time on one cluster (max_connections 200), and a
    /// service's pool grows to 100 by default, so two busy hosts (400 sockets joining at once) could take every
    /// connection the cluster has and be refused with 53300; a smaller pool makes them wait their turn instead.
    /// </summary>
    private static string ConnectionStringFor(EmbeddedPostgres cluster, string database) =>
        new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Database = database, MaxPoolSize = 60 }.ConnectionString;

    public static async Task<EmbeddedPostgres> ClusterAsync() => await Cluster.Value;

    public static string AdminConnectionString(EmbeddedPostgres cluster) =>
        new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;

    private static async Task<EmbeddedPostgres> StartAsync()
    {
        var home = Path.Combine(Path.GetTempPath(), $"speaking-tests-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var cluster = await EmbeddedPostgres.StartAsync(home, NullLogger.Instance, fast: true, deleteOnDispose: true);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();

        await using (var admin = new NpgsqlConnection(AdminConnectionString(cluster)))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {Template}", admin);
            await create.ExecuteNonQueryAsync();
        }

        var templateConnection = new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Database = Template, Pooling = false }.ConnectionString;
        await using (var source = NpgsqlDataSource.Create(templateConnection))
        {
            await new MigrationRunner(source, NullLogger<MigrationRunner>.Instance).ApplyAsync();
        }

        return cluster;
    }
}
