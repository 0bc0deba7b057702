using System.Data;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Text.RegularExpressions;
using Dapper;
using DbUp;
using DbUp.Engine;
using DbUp.Engine.Output;
using DbUp.Engine.Transactions;
using DbUp.Postgresql;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Speaking.Infrastructure.Persistence;

public sealed record Migration(int Version, string Name, string Sql)
{
    /// <summary>The script's name as DbUp sees it and as <c>schema_migrations</c> records it: <c>0001_initial_schema</c>.</summary>
    public string ScriptName => $"{Version:D4}_{Name}";
}

/// <summary>
/// Applies the numbered .sql files embedded in this assembly (Persistence/Migrations/NNNN_name.sql) with DbUp, in
/// order, all in one transaction, under a session-level PostgreSQL advisory lock: two nodes starting together queue
/// up and the second applies nothing. The journal is the <c>schema_migrations</c> table (version, name) that the
/// earlier hand-written runner created, so a database it migrated upgrades with nothing re-applied.
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

        await using var lockHolder = await dataSource.OpenConnectionAsync(ct);
        await lockHolder.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@LockKey)", new { LockKey }, cancellationToken: ct));
        try
        {
            var connections = new PostgresqlConnectionManager(dataSource);
            var log = new UpgradeLog(logger);
            var upgrader = DeployChanges.To
                .PostgresqlDatabase(connections)
                .WithScripts(migrations.OrderBy(m => m.Version).Select(m => new SqlScript(m.ScriptName, m.Sql)))
                .JournalTo(new SchemaMigrationsJournal(() => connections, () => log))
                .WithTransaction()
                .WithVariablesDisabled()
                .LogTo(log)
                .Build();
            var result = await Task.Run(upgrader.PerformUpgrade, ct);
            if (!result.Successful) ExceptionDispatchInfo.Throw(result.Error);
            foreach (var script in result.Scripts) logger.LogInformation("Applied migration {Migration}", script.Name);
            return result.Scripts.Select(s => int.Parse(s.Name[..4])).ToArray();
        }
        finally
        {
            await lockHolder.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_unlock(@LockKey)", new { LockKey }, cancellationToken: CancellationToken.None));
        }
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [GeneratedRegex(@"\.Migrations\.(?<version>\d{4})_(?<name>[A-Za-z0-9_]+)\.sql$")]
    private static partial Regex FileName();

    /// <summary>DbUp's journal over the <c>schema_migrations (version, name, applied_at)</c> table.</summary>
    private sealed class SchemaMigrationsJournal(Func<IConnectionManager> connections, Func<IUpgradeLog> log)
        : PostgresqlTableJournal(connections, log, null, "schema_migrations")
    {
        protected override string CreateSchemaTableSql(string quotedPrimaryKeyName) => """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    integer PRIMARY KEY,
                name       text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """;

        protected override string GetJournalEntriesSql() =>
            "SELECT lpad(version::text, 4, '0') || '_' || name FROM schema_migrations ORDER BY version";

        protected override IDbCommand GetInsertScriptCommand(Func<IDbCommand> dbCommandFactory, SqlScript script)
        {
            var command = dbCommandFactory();
            command.CommandText = "INSERT INTO schema_migrations (version, name) VALUES (@version, @name)";
            command.Parameters.Add(new NpgsqlParameter("version", int.Parse(script.Name[..4])));
            command.Parameters.Add(new NpgsqlParameter("name", script.Name[5..]));
            return command;
        }
    }

    /// <summary>DbUp's progress lines into our log (information: applied scripts; the rest at debug).</summary>
    private sealed class UpgradeLog(ILogger logger) : IUpgradeLog
    {
        public void LogTrace(string format, params object[] args) => logger.LogTrace(format, args);
        public void LogDebug(string format, params object[] args) => logger.LogDebug(format, args);
        public void LogInformation(string format, params object[] args) => logger.LogDebug(format, args);
        public void LogWarning(string format, params object[] args) => logger.LogWarning(format, args);
        public void LogError(string format, params object[] args) => logger.LogError(format, args);
        public void LogError(Exception ex, string format, params object[] args) => logger.LogError(ex, format, args);
    }
}
