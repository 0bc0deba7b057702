using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Speaking.Infrastructure.Persistence;

namespace Speaking.IntegrationTests.Foundation;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class EmbeddedPostgresTests
{
    [Fact]
    public async Task AFolderThePostgresUserCannotReach_FallsBackToOneItCan_AndTheServerRuns()
    {
        var locked = Directory.CreateTempSubdirectory("speaking-locked-").FullName;
        File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute); // 0700: no way through for others
        var home = Path.Combine(locked, "data");
        try
        {
            await using var server = await EmbeddedPostgres.StartAsync(home, NullLogger.Instance, fast: true, deleteOnDispose: true);

            var asRoot = Environment.UserName == "root";
            if (asRoot)
            {
                // The server runs as "postgres", which cannot pass the 0700 folder: the data went somewhere it can reach.
                server.DataDirectory.ShouldNotStartWith(locked);
                server.DataDirectory.ShouldStartWith("/var/tmp/speaking-");
            }
            else
            {
                server.DataDirectory.ShouldBe(Path.Combine(home, "postgres"));
            }

            await using var connection = new NpgsqlConnection(server.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT current_database()", connection);
            (await command.ExecuteScalarAsync()).ShouldBe(EmbeddedPostgres.DatabaseName);
        }
        finally
        {
            Directory.Delete(locked, recursive: true);
        }
    }

    [Fact]
    public async Task AServerLeftRunningByAKilledProcess_IsTakenOverOnTheNextStart()
    {
        var home = Path.Combine(Path.GetTempPath(), "speaking-orphan-" + Guid.NewGuid().ToString("N"));
        var first = await EmbeddedPostgres.StartAsync(home, NullLogger.Instance, fast: true);
        await using (var connection = new NpgsqlConnection(first.ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE TABLE survivor (id int); INSERT INTO survivor VALUES (42)", connection);
            await create.ExecuteNonQueryAsync();
        }

        NpgsqlConnection.ClearAllPools();
        // "first" is never disposed: its server keeps running, as after a kill -9 of the service.
        await using var second = await EmbeddedPostgres.StartAsync(home, NullLogger.Instance, fast: true, deleteOnDispose: true);
        await using var check = new NpgsqlConnection(second.ConnectionString);
        await check.OpenAsync();
        await using var read = new NpgsqlCommand("SELECT id FROM survivor", check);
        (await read.ExecuteScalarAsync()).ShouldBe(42);
    }
}
