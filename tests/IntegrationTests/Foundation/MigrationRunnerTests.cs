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
    public async Task Apply_OnADatabaseMigratedByThePreviousRunner_AppliesOnlyTheNewMigrations_AndKeepsTheData()
    {
        var connectionString = await SharedPostgres.CreateEmptyDatabaseAsync();
        var released = MigrationRunner.Embedded().Where(m => m.Version == 1).ToArray();
        await PreviousMigrationRunner.ApplyAsync(connectionString, released);
        await using (var seed = new NpgsqlConnection(connectionString))
        {
            await seed.ExecuteAsync("INSERT INTO users (id, email, password_hash, username) VALUES (@id, 'kept@example.com', 'x', 'Kept')",
                new { id = Guid.NewGuid() });
        }

        await using var source = NpgsqlDataSource.Create(connectionString);
        var applied = await new MigrationRunner(source, NullLogger<MigrationRunner>.Instance).ApplyAsync();

        // 0001 is not re-applied (it would fail: its tables exist); everything after it is.
        applied.ShouldBe(MigrationRunner.Embedded().Where(m => m.Version > 1).Select(m => m.Version).ToArray());
        applied.ShouldNotBeEmpty();
        await using var connection = await source.OpenConnectionAsync();
        (await connection.QueryAsync<int>("SELECT version FROM schema_migrations ORDER BY version"))
            .ShouldBe(MigrationRunner.Embedded().Select(m => m.Version));
        (await connection.ExecuteScalarAsync<string>("SELECT username FROM users")).ShouldBe("Kept");
        (await new MigrationRunner(source, NullLogger<MigrationRunner>.Instance).ApplyAsync()).ShouldBeEmpty();
    }

    /// <summary>The hand-written runner this service used before DbUp, as it was released: one transaction under a transaction-scoped lock.</summary>
    private static class PreviousMigrationRunner
    {
        public static async Task ApplyAsync(string connectionString, IReadOnlyList<Migration> migrations)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var tx = await connection.BeginTransactionAsync();
            await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(@LockKey)", new { LockKey = 0x5350_4b4d_4947L }, tx);
            await connection.ExecuteAsync("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    integer PRIMARY KEY,
                    name       text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, transaction: tx);
            var applied = (await connection.QueryAsync<int>("SELECT version FROM schema_migrations", transaction: tx)).ToHashSet();
            foreach (var migration in migrations.Where(m => !applied.Contains(m.Version)))
            {
                await connection.ExecuteAsync(migration.Sql, transaction: tx);
                await connection.ExecuteAsync("INSERT INTO schema_migrations (version, name) VALUES (@Version, @Name)",
                    new { migration.Version, migration.Name }, tx);
            }

            await tx.CommitAsync();
        }
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
