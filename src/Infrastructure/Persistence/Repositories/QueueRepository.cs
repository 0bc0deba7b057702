using Dapper;
using Npgsql;
using Speaking.Application.Queue;
using Speaking.Application.Realtime;
using Speaking.Domain.Common;
using Speaking.Domain.Matchmaking;

namespace Speaking.Infrastructure.Persistence.Repositories;

internal sealed class QueueRepository(NpgsqlDataSource db) : IQueueRepository
{
    public async Task<JoinOutcome> TryJoinAsync(QueueTicket ticket, ConnectionRef? connection, CancellationToken ct)
    {
        await using var db1 = await db.OpenConnectionAsync(ct);
        await using var tx = await db1.BeginTransactionAsync(ct);
        // The user's row lock is the one every session start takes: the session check below sees any session that
        // started before it, and none can start for this user until this transaction ends (issue 14, hole 3).
        await db1.ExecuteAsync(new CommandDefinition("SELECT 1 FROM users WHERE id = @UserId FOR UPDATE", new { ticket.UserId }, tx, cancellationToken: ct));
        var outcome = await db1.QuerySingleAsync<(bool InSession, int Inserted)>(new CommandDefinition("""
            WITH busy AS (SELECT EXISTS (SELECT 1 FROM session_participants WHERE user_id = @UserId AND active) AS in_session),
            inserted AS (
                INSERT INTO queue_entries (id, user_id, mode, level_filter, joined_at, is_active, connection_id, widen)
                SELECT @Id, @UserId, @Mode, @Level, @JoinedAt, true, @Connection, @Widen FROM busy WHERE NOT busy.in_session
                ON CONFLICT DO NOTHING
                RETURNING 1)
            SELECT (SELECT in_session FROM busy), (SELECT count(*)::int FROM inserted)
            """, new
        {
            ticket.Id, ticket.UserId, Mode = ticket.Mode.ToWire(),
            Level = ticket.Mode == QueueMode.LevelFilter ? ticket.Level.Value : (double?)null, ticket.JoinedAt,
            Connection = connection?.ToString(), ticket.Widen,
        }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return outcome.InSession ? JoinOutcome.InSession : outcome.Inserted == 1 ? JoinOutcome.Joined : JoinOutcome.AlreadyQueued;
    }

    public async Task<QueueTicket?> GetActiveAsync(Guid userId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QueryFirstOrDefaultAsync<TicketRow>(new CommandDefinition(
            "SELECT id, user_id, mode, level_filter, joined_at, widen FROM queue_entries WHERE user_id = @userId AND is_active",
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

    public async Task<IReadOnlyList<WaitingTicket>> ListActiveAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<TicketRow>(new CommandDefinition(
            "SELECT id, user_id, mode, level_filter, joined_at, connection_id, widen FROM queue_entries WHERE is_active", cancellationToken: ct));
        return rows.Select(r => new WaitingTicket(r.ToTicket(), ConnectionRef.Parse(r.ConnectionId))).ToArray();
    }

    public async Task<IReadOnlyDictionary<QueueMode, int>> CountActiveByModeAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(string Mode, int Count)>(new CommandDefinition(
            "SELECT mode, count(*)::int FROM queue_entries WHERE is_active GROUP BY mode", cancellationToken: ct));
        var counts = new Dictionary<QueueMode, int> { [QueueMode.Roulette] = 0, [QueueMode.LevelFilter] = 0 };
        foreach (var (mode, count) in rows)
        {
            if (QueueModeNames.TryParse(mode, out var parsed)) counts[parsed] = count;
        }

        return counts;
    }

    private sealed class TicketRow
    {
        public Guid Id { get; init; }
        public Guid UserId { get; init; }
        public string Mode { get; init; } = "";
        public double? LevelFilter { get; init; }
        public DateTime JoinedAt { get; init; }
        public string? ConnectionId { get; init; }
        public bool Widen { get; init; }

        public QueueTicket ToTicket()
        {
            QueueModeNames.TryParse(Mode, out var mode);
            var level = LevelFilter is { } l && IeltsBand.IsValid(l) ? l : 6.0;
            return new QueueTicket(Id, UserId, mode, IeltsBand.From(level), JoinedAt, Widen);
        }
    }
}
