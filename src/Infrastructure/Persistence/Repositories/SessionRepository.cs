using System.Collections.Concurrent;
using System.Data;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;
using Speaking.Application.Queue;
using Speaking.Domain.Common;
using Speaking.Domain.Matchmaking;
using Speaking.Domain.Sessions;

namespace Speaking.Infrastructure.Persistence.Repositories;

internal sealed class SessionRepository(NpgsqlDataSource db, ILogger<SessionRepository> logger) : ISessionRepository
{
    private const string Columns = "id, user1_id, user2_id, mode, room_id, status, started_at, ended_at, end_reason, ended_by";
    private const long RememberMilliseconds = 5_000;

    /// <summary>Pairs known to share an active session, until a TickCount64 deadline.</summary>
    private readonly ConcurrentDictionary<(Guid, Guid), long> _activePairs = new();

    private static (Guid, Guid) PairKey(Guid a, Guid b) => a.CompareTo(b) < 0 ? (a, b) : (b, a);

    private void Remember(Guid a, Guid b)
    {
        _activePairs[PairKey(a, b)] = Environment.TickCount64 + RememberMilliseconds;
        if (_activePairs.Count > 100_000) Prune();
    }

    private void Prune()
    {
        var now = Environment.TickCount64;
        foreach (var (key, until) in _activePairs)
        {
            if (until <= now) _activePairs.TryRemove(key, out _);
        }
    }

    public async Task<Session?> GetAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<SessionRow>(new CommandDefinition(
            $"SELECT {Columns} FROM sessions WHERE id = @id", new { id }, cancellationToken: ct));
        return row?.ToSession();
    }

    public async Task<Session?> FindActiveForUserAsync(Guid userId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QueryFirstOrDefaultAsync<SessionRow>(new CommandDefinition($"""
            SELECT {Columns} FROM sessions WHERE status = 'active' AND user1_id = @userId
            UNION ALL
            SELECT {Columns} FROM sessions WHERE status = 'active' AND user2_id = @userId
            ORDER BY started_at DESC LIMIT 1
            """, new { userId }, cancellationToken: ct));
        return row?.ToSession();
    }

    /// <summary>
    /// Asked for every relayed signaling and chat message, so positive answers are remembered for a few seconds:
    /// sessions this node starts are added, sessions it ends are removed at once, and the time limit bounds how long
    /// a session ended elsewhere (another node, an operator) can still relay. Measured in docs/BENCHMARKS.md.
    /// </summary>
    public async Task<bool> AreInActiveSessionAsync(Guid userA, Guid userB, CancellationToken ct)
    {
        var key = PairKey(userA, userB);
        if (_activePairs.TryGetValue(key, out var until) && until > Environment.TickCount64) return true;

        await using var connection = await db.OpenConnectionAsync(ct);
        var active = await connection.ExecuteScalarAsync<bool>(new CommandDefinition("""
            SELECT EXISTS (
                SELECT 1 FROM sessions
                WHERE status = 'active' AND user1_id = @userA AND user2_id = @userB
                UNION ALL
                SELECT 1 FROM sessions
                WHERE status = 'active' AND user1_id = @userB AND user2_id = @userA)
            """, new { userA, userB }, cancellationToken: ct));
        if (active) Remember(userA, userB);
        else _activePairs.TryRemove(key, out _);
        return active;
    }

    public async Task<IReadOnlySet<Guid>> UsersInActiveSessionsAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var ids = await connection.QueryAsync<Guid>(new CommandDefinition(
            "SELECT user1_id FROM sessions WHERE status = 'active' UNION SELECT user2_id FROM sessions WHERE status = 'active'",
            cancellationToken: ct));
        return ids.ToHashSet();
    }

    public async Task<bool> SaveEndAsync(Session session, CancellationToken ct)
    {
        _activePairs.TryRemove(PairKey(session.User1Id, session.User2Id), out _);
        await using var connection = await db.OpenConnectionAsync(ct);
        var ended = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE sessions SET status = @Status, ended_at = @EndedAt, end_reason = @EndReason, ended_by = @EndedBy WHERE id = @Id AND status = 'active'",
            new { session.Id, Status = session.Status.ToWire(), session.EndedAt, EndReason = session.EndReason?.ToWire(), session.EndedBy },
            cancellationToken: ct)) == 1;
        _activePairs.TryRemove(PairKey(session.User1Id, session.User2Id), out _);
        return ended;
    }

    public async Task<IReadOnlyList<Session>> CommitMatchesAsync(IReadOnlyList<(MatchPair Pair, Session Session)> matches, CancellationToken ct)
    {
        var committed = new List<Session>();
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        foreach (var (pair, session) in matches)
        {
            await tx.SaveAsync("pair", ct);
            try
            {
                var locked = await connection.QueryAsync<Guid>(new CommandDefinition("""
                    SELECT id FROM queue_entries WHERE id = ANY(@ids) AND is_active FOR UPDATE SKIP LOCKED
                    """, new { ids = new[] { pair.Initiator.Id, pair.Callee.Id } }, tx, cancellationToken: ct));
                if (locked.Count() != 2 || !await LockUsersAndCheckFreeAsync(connection, tx, session, ct))
                {
                    await tx.RollbackAsync("pair", ct);
                    continue;
                }

                await InsertAsync(connection, tx, session, ct);
                await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE queue_entries SET is_active = false WHERE id = ANY(@ids)",
                    new { ids = new[] { pair.Initiator.Id, pair.Callee.Id } }, tx, cancellationToken: ct));
                await tx.ReleaseAsync("pair", ct);
                committed.Add(session);
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException && !ct.IsCancellationRequested)
            {
                logger.LogError(e, "Could not create the session for users {User1} and {User2}; the pair is skipped", session.User1Id, session.User2Id);
                await tx.RollbackAsync("pair", ct);
            }
        }

        await tx.CommitAsync(ct);
        foreach (var session in committed) Remember(session.User1Id, session.User2Id);
        return committed;
    }

    public async Task<bool> TryStartInvitedAsync(Session session, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (!await LockUsersAndCheckFreeAsync(connection, tx, session, ct)) return false;
        await InsertAsync(connection, tx, session, ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE queue_entries SET is_active = false WHERE user_id = ANY(@users) AND is_active",
            new { users = new[] { session.User1Id, session.User2Id } }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        Remember(session.User1Id, session.User2Id);
        return true;
    }

    /// <summary>
    /// Locks both users' rows (in id order, so concurrent writers cannot deadlock) and reports whether neither is in
    /// an active session. Every path that starts a session takes these locks first, so a user is never put into
    /// two sessions at once (D-17), even by a round and an accepted invitation racing each other.
    /// </summary>
    private static async Task<bool> LockUsersAndCheckFreeAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Session session, CancellationToken ct)
    {
        var users = new[] { session.User1Id, session.User2Id };
        var found = await connection.QueryAsync<Guid>(new CommandDefinition(
            "SELECT id FROM users WHERE id = ANY(@users) ORDER BY id FOR UPDATE", new { users }, tx, cancellationToken: ct));
        if (found.Count() != 2) return false;
        return !await connection.ExecuteScalarAsync<bool>(new CommandDefinition("""
            SELECT EXISTS (SELECT 1 FROM sessions WHERE status = 'active' AND (user1_id = ANY(@users) OR user2_id = ANY(@users)))
            """, new { users }, tx, cancellationToken: ct));
    }

    private static Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Session session, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO sessions (id, user1_id, user2_id, mode, room_id, status, started_at)
            VALUES (@Id, @User1Id, @User2Id, @Mode, @RoomId, 'active', @StartedAt)
            """, new { session.Id, session.User1Id, session.User2Id, Mode = session.Mode.ToWire(), session.RoomId, session.StartedAt },
            tx, cancellationToken: ct));

    private sealed class SessionRow
    {
        public Guid Id { get; init; }
        public Guid User1Id { get; init; }
        public Guid User2Id { get; init; }
        public string Mode { get; init; } = "";
        public string RoomId { get; init; } = "";
        public string Status { get; init; } = "";
        public DateTime StartedAt { get; init; }
        public DateTime? EndedAt { get; init; }
        public string? EndReason { get; init; }
        public Guid? EndedBy { get; init; }

        public Session ToSession()
        {
            QueueModeNames.TryParse(Mode, out var mode);
            return Session.Restore(Id, User1Id, User2Id, mode, RoomId, SessionStatusNames.Parse(Status), StartedAt, EndedAt,
                SessionEndReasonNames.Parse(EndReason), EndedBy);
        }
    }
}
