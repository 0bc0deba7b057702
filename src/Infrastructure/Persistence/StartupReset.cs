using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Speaking.Infrastructure.Persistence;

/// <summary>
/// D-16: nobody is connected to a process that is just starting, so at start-up every user is offline, every
/// queue entry inactive and every active session cancelled. Ghosts of a crash are never counted or matched.
/// </summary>
public sealed class StartupReset(NpgsqlDataSource db, ILogger<StartupReset> logger)
{
    public async Task RunAsync(CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var now = DateTime.UtcNow;
        var offline = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE users SET is_online = false, last_seen = @now WHERE is_online", new { now }, tx, cancellationToken: ct));
        var dequeued = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE queue_entries SET is_active = false WHERE is_active", transaction: tx, cancellationToken: ct));
        var cancelled = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE sessions SET status = 'cancelled', ended_at = @now WHERE status = 'active'", new { now }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        if (offline + dequeued + cancelled > 0)
            logger.LogInformation("Start-up reset: {Offline} users offline, {Dequeued} queue entries closed, {Cancelled} sessions cancelled",
                offline, dequeued, cancelled);
    }
}
