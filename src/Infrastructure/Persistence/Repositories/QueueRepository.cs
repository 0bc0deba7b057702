using Dapper;
using Npgsql;
using Speaking.Application.Queue;
using Speaking.Domain.Common;
using Speaking.Domain.Matchmaking;

namespace Speaking.Infrastructure.Persistence.Repositories;

internal sealed class QueueRepository(NpgsqlDataSource db) : IQueueRepository
{
    public async Task<bool> TryJoinAsync(QueueTicket ticket, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        // The partial unique index ux_queue_entries_active_user turns a concurrent second join into "no row" (D-12).
        var inserted = await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO queue_entries (id, user_id, mode, level_filter, joined_at, is_active)
            VALUES (@Id, @UserId, @Mode, @Level, @JoinedAt, true)
            ON CONFLICT DO NOTHING
            """, new
        {
            ticket.Id, ticket.UserId, Mode = ticket.Mode.ToWire(),
            Level = ticket.Mode == QueueMode.LevelFilter ? ticket.Level.Value : (double?)null, ticket.JoinedAt,
        }, cancellationToken: ct));
        return inserted == 1;
    }

    public async Task<QueueTicket?> GetActiveAsync(Guid userId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QueryFirstOrDefaultAsync<TicketRow>(new CommandDefinition(
            "SELECT id, user_id, mode, level_filter, joined_at FROM queue_entries WHERE user_id = @userId AND is_active",
            new { userId }, cancellationToken: ct));
        return row?.ToTicket();
    }

    public async Task<bool> LeaveAsync(Guid userId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE queue_entries SET is_active = false WHERE user_id = @userId AND is_active", new { userId }, cancellationToken: ct)) > 0;
    }

    public async Task<int> CountJoinedUpToAsync(QueueMode mode, DateTime joinedAt, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT count(*) FROM queue_entries WHERE is_active AND mode = @mode AND joined_at <= @joinedAt",
            new { mode = mode.ToWire(), joinedAt }, cancellationToken: ct));
    }

    public async Task<int> CountLevelFilterNearAsync(double level, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition("""
            SELECT count(*) FROM queue_entries
            WHERE is_active AND mode = 'level_filter' AND level_filter IS NOT NULL AND abs(level_filter - @level) <= @distance
            """, new { level, distance = IeltsBand.CompatibleDistance }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<QueueTicket>> ListActiveAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<TicketRow>(new CommandDefinition(
            "SELECT id, user_id, mode, level_filter, joined_at FROM queue_entries WHERE is_active", cancellationToken: ct));
        return rows.Select(r => r.ToTicket()).ToArray();
    }

    private sealed class TicketRow
    {
        public Guid Id { get; init; }
        public Guid UserId { get; init; }
        public string Mode { get; init; } = "";
        public double? LevelFilter { get; init; }
        public DateTime JoinedAt { get; init; }

        public QueueTicket ToTicket()
        {
            QueueModeNames.TryParse(Mode, out var mode);
            var level = LevelFilter is { } l && IeltsBand.IsValid(l) ? l : 6.0;
            return new QueueTicket(Id, UserId, mode, IeltsBand.From(level), JoinedAt);
        }
    }
}
