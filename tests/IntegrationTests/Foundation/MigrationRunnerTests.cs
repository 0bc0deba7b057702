using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Speaking.Infrastructure.Persistence;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Foundation;

public sealed class MigrationRunnerTests
{
    [Fact]
    public async Task Apply_TwiceOnTheSameDatabase_AppliesEachMigrationOnce()
    {
        var connectionString = await SharedPostgres.CreateEmptyDatabaseAsync();
        await using var source = NpgsqlDataSource.Create(connectionString);
        var runner = new MigrationRunner(source, NullLogger<MigrationRunner>.Instance);

        var first = await runner.ApplyAsync();
        var second = await runner.ApplyAsync();

        first.ShouldBe(MigrationRunner.Embedded().Select(m => m.Version).ToArray());
        second.ShouldBeEmpty();
        await using var connection = await source.OpenConnectionAsync();
        (await connection.QueryAsync<int>("SELECT version FROM schema_migrations ORDER BY version"))
            .ShouldBe(MigrationRunner.Embedded().Select(m => m.Version));
        (await connection.ExecuteScalarAsync<bool>("SELECT to_regclass('public.users') IS NOT NULL")).ShouldBeTrue();
    }

    [Fact]
    public async Task Apply_ByConcurrentRunners_AppliesEachMigrationExactlyOnce()
    {
        var connectionString = await SharedPostgres.CreateEmptyDatabaseAsync();
        var slow = new Migration(9001, "slow_probe", "SELECT pg_sleep(0.3); CREATE TABLE probe_concurrency (id int);");
        var migrations = MigrationRunner.Embedded().Append(slow).ToArray();

        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            await using var source = NpgsqlDataSource.Create(connectionString);
            return await new MigrationRunner(source, NullLogger<MigrationRunner>.Instance).ApplyAsync(migrations);
        }));

        runs.Count(applied => applied.Count > 0).ShouldBe(1);
        runs.Single(applied => applied.Count > 0).ShouldBe(migrations.Select(m => m.Version).ToArray());
        await using var connection = new NpgsqlConnection(connectionString);
        (await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM schema_migrations")).ShouldBe(migrations.Length);
    }

    [Fact]
    public async Task Apply_WhenAMigrationFails_LeavesNothingHalfApplied()
    {
        var connectionString = await SharedPostgres.CreateEmptyDatabaseAsync();
        var broken = new Migration(9002, "broken", "CREATE TABLE half_done (id int); SELECT * FROM no_such_table;");
        await using var source = NpgsqlDataSource.Create(connectionString);
        var runner = new MigrationRunner(source, NullLogger<MigrationRunner>.Instance);

        await Should.ThrowAsync<PostgresException>(() => runner.ApplyAsync(MigrationRunner.Embedded().Append(broken).ToArray()));

        await using var connection = await source.OpenConnectionAsync();
        (await connection.ExecuteScalarAsync<bool>("SELECT to_regclass('public.half_done') IS NOT NULL")).ShouldBeFalse();
        (await connection.ExecuteScalarAsync<bool>("SELECT to_regclass('public.users') IS NOT NULL")).ShouldBeFalse();
    }

    [Fact]
    public async Task Schema_RefusesTwoActiveTicketsForOneUser_AndDuplicateEmailsInAnyCase()
    {
        var connectionString = await SharedPostgres.CreateDatabaseAsync();
        await using var connection = new NpgsqlConnection(connectionString);
        var id = Guid.NewGuid();
        await connection.ExecuteAsync("INSERT INTO users (id, email, password_hash, username) VALUES (@id, 'Ann@example.com', 'x', 'Ann')", new { id });

        await Should.ThrowAsync<PostgresException>(() => connection.ExecuteAsync(
            "INSERT INTO users (id, email, password_hash, username) VALUES (@id, 'ann@EXAMPLE.com', 'x', 'Ann')", new { id = Guid.NewGuid() }));
        await connection.ExecuteAsync("INSERT INTO queue_entries (id, user_id, mode) VALUES (@t, @id, 'roulette')", new { t = Guid.NewGuid(), id });
        var duplicate = await Should.ThrowAsync<PostgresException>(() => connection.ExecuteAsync(
            "INSERT INTO queue_entries (id, user_id, mode) VALUES (@t, @id, 'level_filter')", new { t = Guid.NewGuid(), id }));
        duplicate.SqlState.ShouldBe(PostgresErrorCodes.UniqueViolation);
        await Should.ThrowAsync<PostgresException>(() => connection.ExecuteAsync(
            "INSERT INTO queue_entries (id, user_id, mode) VALUES (@t, @id, 'ROULETTE')", new { t = Guid.NewGuid(), id }));
    }
}
