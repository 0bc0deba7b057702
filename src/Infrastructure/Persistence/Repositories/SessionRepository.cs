using System.Data;
using Dapper;
using Npgsql;
using Speaking.Application.Realtime;
using Speaking.Application.Sessions;
using Speaking.Domain.Common;
using Speaking.Domain.Matchmaking;
using Speaking.Domain.Sessions;
using Speaking.Infrastructure.Observability;

namespace Speaking.Infrastructure.Persistence.Repositories;

/// <summary>
/// Sessions and their participants. Every path that starts a session locks both users' rows first, always in id
/// order (a round locks all of its users in one statement), so starting sessions, accepting invitations and joining
/// the queue serialise per user and can never deadlock; "one active session per user" is enforced by the unique
/// index on active participants on top of that.
/// </summary>
internal sealed class SessionRepository(NpgsqlDataSource db, SpeakingMetrics metrics) : ISessionRepository
{
    private const string SessionColumns = "s.id, s.user1_id, s.user2_id, s.mode, s.room_id, s.status, s.started_at, s.ended_at, s.end_reason, s.ended_by";

    private const string ParticipationSelect = $"""
        SELECT {SessionColumns}, me.user_id AS participant_id, me.connection_id, me.reconnect_deadline, other.connection_id AS partner_connection
        FROM session_participants me
        JOIN sessions s ON s.id = me.session_id
        JOIN session_participants other ON other.session_id = me.session_id AND other.user_id <> me.user_id
        """;

    public async Task<Session?> GetAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<SessionRow>(new CommandDefinition(
            $"SELECT {SessionColumns} FROM sessions s WHERE s.id = @id", new { id }, cancellationToken: ct));
        return row?.ToSession();
    }

    public async Task<Participation?> FindActiveForUserAsync(Guid userId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QueryFirstOrDefaultAsync<ParticipationRow>(new CommandDefinition(
            ParticipationSelect + " WHERE me.user_id = @userId AND me.active", new { userId }, cancellationToken: ct));
        return row?.ToParticipation();
    }

    public async Task<IReadOnlySet<Guid>> UsersInActiveSessionsAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var ids = await connection.QueryAsync<Guid>(new CommandDefinition("SELECT user_id FROM session_participants WHERE active", cancellationToken: ct));
        return ids.ToHashSet();
    }

    public async Task<IReadOnlyList<SessionStart>> StartMatchedAsync(IReadOnlyList<SessionStart> proposed, DateTime reconnectDeadline, CancellationToken ct)
    {
        if (proposed.Count == 0) return [];
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);

        var users = proposed.SelectMany(p => new[] { p.Session.User1Id, p.Session.User2Id }).Distinct().ToArray();
        await LockUsersAsync(connection, tx, users, ct);

        // Tickets still waiting (another round, a leave or a disconnect may have closed some): a pair needs both.
        var tickets = proposed.SelectMany(p => new[] { p.InitiatorTicket, p.CalleeTicket }).OfType<Guid>().ToArray();
        var waiting = (await connection.QueryAsync<Guid>(new CommandDefinition(
            "SELECT id FROM queue_entries WHERE id = ANY(@tickets) AND is_active FOR UPDATE SKIP LOCKED",
            new { tickets }, tx, cancellationToken: ct))).ToHashSet();
        // A block stored after the round read the blocks but before these locks were taken is seen here (a block takes the
        // same locks), so a blocked pair never starts; a block that comes later finds the session and ends it.
        var blocked = await BlockedPairsAsync(connection, tx, users, ct);
        var candidates = proposed.Where(p => p.InitiatorTicket is { } a && waiting.Contains(a) && p.CalleeTicket is { } b && waiting.Contains(b)
            && !blocked.Contains(new UserPair(p.Session.User1Id, p.Session.User2Id))).ToList();
        if (candidates.Count == 0)
        {
            await tx.CommitAsync(ct);
            return [];
        }

        await InsertSessionsAsync(connection, tx, candidates.Select(c => c.Session).ToArray(), ct);
        var complete = await InsertParticipantsAsync(connection, tx, candidates, reconnectDeadline, ct);
        var started = candidates.Where(c => complete.Contains(c.Session.Id)).ToList();
        var conflicted = candidates.Where(c => !complete.Contains(c.Session.Id)).Select(c => c.Session.Id).ToArray();
        if (conflicted.Length > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition("DELETE FROM sessions WHERE id = ANY(@conflicted)",
                new { conflicted }, tx, cancellationToken: ct));
        }

        // Each closed ticket records its session: the wait of a match is the session's start minus the ticket's join.
        var closed = started.SelectMany(s => new[] { s.InitiatorTicket!.Value, s.CalleeTicket!.Value }).ToArray();
        var closedWith = started.SelectMany(s => new[] { s.Session.Id, s.Session.Id }).ToArray();
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE queue_entries q SET is_active = false, session_id = t.session_id
            FROM unnest(@closed, @closedWith) AS t (id, session_id) WHERE q.id = t.id
            """, new { closed, closedWith }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);

        foreach (var start in started) metrics.SessionsStarted.WithLabels(start.Session.Mode.ToWire()).Inc();
        return started;
    }

    public async Task<bool> TryStartInvitedAsync(SessionStart start, DateTime reconnectDeadline, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var users = new[] { start.Session.User1Id, start.Session.User2Id };
        if (await LockUsersAsync(connection, tx, users, ct) != 2) return false;
        if ((await BlockedPairsAsync(connection, tx, users, ct)).Count > 0) return false; // a block that raced with the acceptance

        await InsertSessionsAsync(connection, tx, [start.Session], ct);
        if ((await InsertParticipantsAsync(connection, tx, [start], reconnectDeadline, ct)).Count != 1)
        {
            await tx.RollbackAsync(ct);
            return false;
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE queue_entries SET is_active = false WHERE user_id = ANY(@users) AND is_active", new { users }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        metrics.SessionsStarted.WithLabels(start.Session.Mode.ToWire()).Inc();
        return true;
    }

    public async Task<EndedSession?> SaveEndAsync(Session session, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var sides = (await connection.QueryAsync<(Guid UserId, string? ConnectionId)>(new CommandDefinition("""
            WITH ended AS (
                UPDATE sessions SET status = @Status, ended_at = @EndedAt, end_reason = @EndReason, ended_by = @EndedBy
                WHERE id = @Id AND status = 'active'
                RETURNING id)
            UPDATE session_participants p SET active = false
            FROM ended WHERE p.session_id = ended.id
            RETURNING p.user_id, p.connection_id
            """, new { session.Id, Status = session.Status.ToWire(), session.EndedAt, EndReason = session.EndReason?.ToWire(), session.EndedBy },
            cancellationToken: ct))).ToList();
        if (sides.Count == 0) return null;

        metrics.SessionsEnded.WithLabels(session.EndReason?.ToWire() ?? "ended").Inc();
        return Ended(session, sides);
    }

    public async Task<IReadOnlyList<Participation>> DetachAsync(ConnectionRef connection, DateTime deadline, CancellationToken ct)
    {
        await using var db1 = await db.OpenConnectionAsync(ct);
        var rows = await db1.QueryAsync<ParticipationRow>(new CommandDefinition($"""
            WITH detached AS (
                UPDATE session_participants SET connection_id = NULL, reconnect_deadline = @deadline
                WHERE active AND connection_id = @connection
                RETURNING session_id, user_id, reconnect_deadline)
            SELECT {SessionColumns}, d.user_id AS participant_id, NULL::text AS connection_id, d.reconnect_deadline,
                   other.connection_id AS partner_connection
            FROM detached d
            JOIN sessions s ON s.id = d.session_id
            JOIN session_participants other ON other.session_id = d.session_id AND other.user_id <> d.user_id
            """, new { connection = connection.ToString(), deadline }, cancellationToken: ct));
        return rows.Select(r => r.ToParticipation()).ToArray();
    }

    public async Task<bool> TryBindAsync(Guid sessionId, Guid userId, ConnectionRef connection, ConnectionRef? expected, CancellationToken ct)
    {
        await using var db1 = await db.OpenConnectionAsync(ct);
        return await db1.ExecuteAsync(new CommandDefinition("""
            UPDATE session_participants SET connection_id = @connection, reconnect_deadline = NULL
            WHERE session_id = @sessionId AND user_id = @userId AND active AND connection_id IS NOT DISTINCT FROM @expected
            """, new { sessionId, userId, connection = connection.ToString(), expected = expected?.ToString() }, cancellationToken: ct)) == 1;
    }

    public async Task<IReadOnlyList<Participation>> ListOverdueAsync(DateTime now, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<ParticipationRow>(new CommandDefinition(
            ParticipationSelect + " WHERE me.active AND me.connection_id IS NULL AND me.reconnect_deadline <= @now ORDER BY me.reconnect_deadline LIMIT 1000",
            new { now }, cancellationToken: ct));
        return rows.Select(r => r.ToParticipation()).ToArray();
    }

    public async Task<EndedSession?> CancelOverdueAsync(Guid sessionId, Guid userId, DateTime now, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // The participant row is locked: a resume (TryBindAsync) racing with this waits, then finds the session ended.
        var due = await connection.ExecuteScalarAsync<bool>(new CommandDefinition("""
            SELECT EXISTS (
                SELECT 1 FROM session_participants
                WHERE session_id = @sessionId AND user_id = @userId AND active AND connection_id IS NULL AND reconnect_deadline <= @now
                FOR UPDATE)
            """, new { sessionId, userId, now }, tx, cancellationToken: ct));
        if (!due) return null;

        var row = await connection.QuerySingleOrDefaultAsync<SessionRow>(new CommandDefinition($"""
            UPDATE sessions s SET status = 'cancelled', ended_at = @now, end_reason = 'no_reconnect'
            WHERE s.id = @sessionId AND s.status = 'active'
            RETURNING {SessionColumns}
            """, new { sessionId, now }, tx, cancellationToken: ct));
        if (row is null) return null;
        var sides = (await connection.QueryAsync<(Guid UserId, string? ConnectionId)>(new CommandDefinition(
            "UPDATE session_participants SET active = false WHERE session_id = @sessionId RETURNING user_id, connection_id",
            new { sessionId }, tx, cancellationToken: ct))).ToList();
        await tx.CommitAsync(ct);

        metrics.SessionsEnded.WithLabels(SessionEndReason.NoReconnect.ToWire()).Inc();
        return Ended(row.ToSession(), sides);
    }

    public async Task<IReadOnlyList<(Guid UserId, ConnectionRef Connection)>> ListBoundAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(Guid UserId, string ConnectionId)>(new CommandDefinition(
            "SELECT user_id, connection_id FROM session_participants WHERE active AND connection_id IS NOT NULL", cancellationToken: ct));
        return rows.Select(r => (r.UserId, ConnectionRef.Parse(r.ConnectionId))).Where(r => r.Item2 is not null)
            .Select(r => (r.UserId, r.Item2!.Value)).ToArray();
    }

    public async Task<int> StartMissingDeadlinesAsync(DateTime deadline, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE session_participants SET reconnect_deadline = @deadline
            WHERE active AND connection_id IS NULL AND reconnect_deadline IS NULL
            """, new { deadline }, cancellationToken: ct));
    }

    /// <summary>Blocked pairs among the users, read inside the transaction that holds their row locks.</summary>
    private static async Task<HashSet<UserPair>> BlockedPairsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid[] users,
        CancellationToken ct) =>
        (await connection.QueryAsync<(Guid Blocker, Guid Blocked)>(new CommandDefinition(
            "SELECT blocker_id, blocked_id FROM blocks WHERE blocker_id = ANY(@users) AND blocked_id = ANY(@users)", new { users }, tx,
            cancellationToken: ct))).Select(r => new UserPair(r.Blocker, r.Blocked)).ToHashSet();

    /// <summary>Locks the users' rows in id order; returns how many exist.</summary>
    private static async Task<int> LockUsersAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid[] users, CancellationToken ct) =>
        (await connection.QueryAsync<Guid>(new CommandDefinition(
            "SELECT id FROM users WHERE id = ANY(@users) ORDER BY id FOR UPDATE", new { users }, tx, cancellationToken: ct))).Count();

    private static Task InsertSessionsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Session[] sessions, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO sessions (id, user1_id, user2_id, mode, room_id, status, started_at)
            SELECT id, user1_id, user2_id, mode, room_id, 'active', started_at
            FROM unnest(@ids, @user1s, @user2s, @modes, @rooms, @starts) AS t (id, user1_id, user2_id, mode, room_id, started_at)
            """, new
        {
            ids = sessions.Select(s => s.Id).ToArray(),
            user1s = sessions.Select(s => s.User1Id).ToArray(),
            user2s = sessions.Select(s => s.User2Id).ToArray(),
            modes = sessions.Select(s => s.Mode.ToWire()).ToArray(),
            rooms = sessions.Select(s => s.RoomId).ToArray(),
            starts = sessions.Select(s => s.StartedAt).ToArray(),
        }, tx, cancellationToken: ct));

    /// <summary>
    /// Inserts both sides of each session (ordered by user id); a side whose user is already in an active session
    /// is skipped by the unique index. Returns the sessions that got both sides.
    /// </summary>
    private static async Task<HashSet<Guid>> InsertParticipantsAsync(NpgsqlConnection connection, NpgsqlTransaction tx,
        IReadOnlyList<SessionStart> starts, DateTime reconnectDeadline, CancellationToken ct)
    {
        var sides = starts
            .SelectMany(s => new[]
            {
                (Session: s.Session.Id, User: s.Session.User1Id, Initiator: true, Connection: s.InitiatorConnection),
                (Session: s.Session.Id, User: s.Session.User2Id, Initiator: false, Connection: s.CalleeConnection),
            })
            .OrderBy(s => s.User)
            .ToArray();
        var inserted = await connection.QueryAsync<Guid>(new CommandDefinition("""
            INSERT INTO session_participants (session_id, user_id, is_initiator, active, connection_id, reconnect_deadline)
            SELECT session_id, user_id, is_initiator, true, connection_id, CASE WHEN connection_id IS NULL THEN @reconnectDeadline END
            FROM unnest(@sessions, @users, @initiators, @connections) AS t (session_id, user_id, is_initiator, connection_id)
            ON CONFLICT DO NOTHING
            RETURNING session_id
            """, new
        {
            sessions = sides.Select(s => s.Session).ToArray(),
            users = sides.Select(s => s.User).ToArray(),
            initiators = sides.Select(s => s.Initiator).ToArray(),
            connections = sides.Select(s => s.Connection?.ToString()).ToArray(),
            reconnectDeadline,
        }, tx, cancellationToken: ct));
        return inserted.GroupBy(id => id).Where(g => g.Count() == 2).Select(g => g.Key).ToHashSet();
    }

    private static EndedSession Ended(Session session, IReadOnlyList<(Guid UserId, string? ConnectionId)> sides)
    {
        ConnectionRef? Of(Guid user) => ConnectionRef.Parse(sides.FirstOrDefault(s => s.UserId == user).ConnectionId);
        return new EndedSession(session, Of(session.User1Id), Of(session.User2Id));
    }

    private class SessionRow
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

    private sealed class ParticipationRow : SessionRow
    {
        public Guid ParticipantId { get; init; }
        public string? ConnectionId { get; init; }
        public DateTime? ReconnectDeadline { get; init; }
        public string? PartnerConnection { get; init; }

        public Participation ToParticipation() =>
            new(ToSession(), ParticipantId, ConnectionRef.Parse(ConnectionId), ReconnectDeadline, ConnectionRef.Parse(PartnerConnection));
    }
}
