using System.Reflection;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Speaking.Infrastructure.Persistence;

public sealed record Migration(int Version, string Name, string Sql);

/// <summary>
/// Applies the numbered .sql files embedded in this assembly (Persistence/Migrations/NNNN_name.sql) in order.
/// All of it runs in one transaction under a transaction-scoped advisory lock, so two instances starting together
/// queue up: the second sees the first one's rows in <c>schema_migrations</c> and applies nothing.
/// </summary>
public sealed partial class MigrationRunner(NpgsqlDataSource dataSource, ILogger<MigrationRunner> logger)
{
    /// <summary>Arbitrary but fixed: "speaking" migrations.</summary>
    private const long LockKey = 0x5350_4b4d_4947;

    public static IReadOnlyList<Migration> Embedded()
    {
        var assembly = typeof(MigrationRunner).Assembly;
        return assembly.GetManifestResourceNames()
            .Select(name => (name, match: FileName().Match(name)))
            .Where(x => x.match.Success)
            .Select(x => new Migration(int.Parse(x.match.Groups["version"].Value), x.match.Groups["name"].Value, Read(assembly, x.name)))
            .OrderBy(m => m.Version)
            .ToArray();
    }

    public Task<IReadOnlyList<int>> ApplyAsync(CancellationToken ct = default) => ApplyAsync(Embedded(), ct);

    /// <summary>Applies the migrations not yet recorded; returns the versions applied by this call.</summary>
    public async Task<IReadOnlyList<int>> ApplyAsync(IReadOnlyList<Migration> migrations, CancellationToken ct = default)
    {
        if (migrations.Select(m => m.Version).Distinct().Count() != migrations.Count)
            throw new InvalidOperationException("Two migrations share a version number.");

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@LockKey)", new { LockKey }, tx, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    integer PRIMARY KEY,
                name       text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """, transaction: tx, cancellationToken: ct));

        var applied = (await connection.QueryAsync<int>(new CommandDefinition("SELECT version FROM schema_migrations", transaction: tx, cancellationToken: ct)))
            .ToHashSet();
        var done = new List<int>();
        foreach (var migration in migrations.Where(m => !applied.Contains(m.Version)))
        {
            await connection.ExecuteAsync(new CommandDefinition(migration.Sql, transaction: tx, cancellationToken: ct));
            await connection.ExecuteAsync(new CommandDefinition("INSERT INTO schema_migrations (version, name) VALUES (@Version, @Name)",
                new { migration.Version, migration.Name }, tx, cancellationToken: ct));
            done.Add(migration.Version);
            logger.LogInformation("Applied migration {Version} {Name}", migration.Version, migration.Name);
        }

        await tx.CommitAsync(ct);
        return done;
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [GeneratedRegex(@"\.Migrations\.(?<version>\d{4})_(?<name>[A-Za-z0-9_]+)\.sql$")]
    private static partial Regex FileName();
}
