using Dapper;
using Npgsql;
using Speaking.Application.Quorra.Offline;
using Speaking.Application.Quorra.SystemControl;

namespace Speaking.Infrastructure.Quorra;

internal sealed class OfflineQueueRepository(NpgsqlDataSource db) : IOfflineQueueRepository
{
    public async Task<bool> TryEnqueueAsync(PendingCommandView p, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO quorra_offline_queue (id, user_id, client_id, input_type, content, response, mood, queued_at)
            VALUES (@Id, @User, @ClientId, @InputType, @Content, @Response, @Mood, @CreatedAt)
            ON CONFLICT (user_id, client_id) DO NOTHING
            """, p, cancellationToken: ct)) == 1;
    }

    public async Task<IReadOnlyList<PendingCommandView>> ListPendingAsync(Guid userId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<PendingRow>(new CommandDefinition("""
            SELECT id, user_id, client_id, input_type, content, response, mood, queued_at FROM quorra_offline_queue
            WHERE user_id = @userId AND synced_at IS NULL
            ORDER BY queued_at, id
            """, new { userId }, cancellationToken: ct));
        return rows.Select(r => new PendingCommandView(r.Id, r.UserId, r.ClientId, r.InputType, r.Content, r.Response, r.Mood, r.QueuedAt)).ToArray();
    }

    public async Task<int> SyncBatchAsync(int batch, CancellationToken ct)
    {
        // One statement, one transaction (PostgreSQL runs every data-modifying CTE to completion): pending rows are locked (others skip them), marked synced and copied into
        // the archive together. A concurrent sync either skips a locked row or, finding it already synced when it
        // re-checks, leaves it; the archive's unique (user, clientId) index backs that up.
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition("""
            WITH picked AS (
                SELECT id FROM quorra_offline_queue
                WHERE synced_at IS NULL
                ORDER BY queued_at
                LIMIT @batch
                FOR UPDATE SKIP LOCKED
            ), moved AS (
                UPDATE quorra_offline_queue q SET synced_at = now(), command_id = gen_random_uuid()
                FROM picked
                WHERE q.id = picked.id AND q.synced_at IS NULL
                RETURNING q.user_id, q.client_id, q.input_type, q.content, q.response, q.mood, q.queued_at, q.command_id
            ), archived AS (
                INSERT INTO quorra_commands (id, user_id, input_type, content, response, mood, client_id, created_at)
                SELECT command_id, user_id, input_type, content, response, mood, client_id, queued_at FROM moved
                ON CONFLICT (user_id, client_id) WHERE client_id IS NOT NULL DO NOTHING
            )
            SELECT count(*)::int FROM moved
            """, new { batch }, cancellationToken: ct));
    }

    private sealed class PendingRow
    {
        public Guid Id { get; init; }
        public Guid UserId { get; init; }
        public string ClientId { get; init; } = "";
        public string InputType { get; init; } = "";
        public string Content { get; init; } = "";
        public string? Response { get; init; }
        public string? Mood { get; init; }
        public DateTime QueuedAt { get; init; }
    }
}

internal sealed class SystemAuditRepository(NpgsqlDataSource db) : ISystemAuditRepository
{
    public async Task RecordAsync(AuditEntry entry, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO quorra_system_audit (id, user_id, action, params, outcome, client_address, created_at)
            VALUES (@Id, @UserId, @Action, @ParamsJson::jsonb, @Outcome, @ClientAddress, @At)
            """, new { entry.Id, entry.UserId, entry.Action, entry.ParamsJson, Outcome = entry.Outcome.ToString().ToLowerInvariant(),
                entry.ClientAddress, entry.At }, cancellationToken: ct));
    }

    public async Task<(int ByUser, int ByAddress)> CountDeniedSinceAsync(Guid userId, string? clientAddress, DateTime since, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var counts = await connection.QuerySingleAsync<(long ByUser, long ByAddress)>(new CommandDefinition("""
            SELECT count(*) FILTER (WHERE user_id = @userId), count(*) FILTER (WHERE client_address = @clientAddress)
            FROM quorra_system_audit
            WHERE outcome = 'denied' AND created_at > @since AND (user_id = @userId OR client_address = @clientAddress)
            """, new { userId, clientAddress, since }, cancellationToken: ct));
        return ((int)counts.ByUser, (int)counts.ByAddress);
    }
}
