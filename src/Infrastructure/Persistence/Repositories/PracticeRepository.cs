using Dapper;
using Npgsql;
using Speaking.Application.Practice;

namespace Speaking.Infrastructure.Persistence.Repositories;

/// <summary>The practice card of each session, and the history view over sessions, cards and feedback.</summary>
internal sealed class PracticeRepository(NpgsqlDataSource db) : IPracticeRepository, ISessionHistory
{
    public async Task<IReadOnlyDictionary<Guid, IReadOnlySet<string>>> RecentCardsAsync(IReadOnlyCollection<Guid> users,
        IReadOnlyCollection<Guid> exceptSessions, int sessions, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        // Per user: the newest sessions on either side (each side through its own index), then their cards.
        var rows = await connection.QueryAsync<(Guid UserId, string CardId)>(new CommandDefinition("""
            SELECT u.user_id, pa.card_id
            FROM unnest(@users) AS u(user_id)
            CROSS JOIN LATERAL (
                SELECT id FROM (
                    (SELECT id, started_at FROM sessions WHERE user1_id = u.user_id AND id <> ALL(@except)
                     ORDER BY started_at DESC, id DESC LIMIT @sessions)
                    UNION ALL
                    (SELECT id, started_at FROM sessions WHERE user2_id = u.user_id AND id <> ALL(@except)
                     ORDER BY started_at DESC, id DESC LIMIT @sessions)
                ) either_side
                ORDER BY started_at DESC, id DESC LIMIT @sessions
            ) recent
            JOIN practice_assignments pa ON pa.session_id = recent.id
            """, new { users = users.ToArray(), except = exceptSessions.ToArray(), sessions }, cancellationToken: ct));
        return rows.GroupBy(r => r.UserId).ToDictionary(g => g.Key, g => (IReadOnlySet<string>)g.Select(r => r.CardId).ToHashSet());
    }

    public async Task<IReadOnlyList<PracticeAssignmentRecord>> AssignAsync(IReadOnlyList<PracticeAssignmentRecord> proposed, CancellationToken ct)
    {
        if (proposed.Count == 0) return [];
        await using var connection = await db.OpenConnectionAsync(ct);
        var sessionIds = proposed.Select(p => p.SessionId).ToArray();
        // Question ids never hold a comma (the bank checks the id pattern), so each list travels as one text.
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO practice_assignments (session_id, card_id, card_version, part1_question_ids, assigned_at)
            SELECT s, c, v, string_to_array(q, ','), @assignedAt
            FROM unnest(@sessionIds, @cardIds, @versions, @questions) AS x(s, c, v, q)
            ON CONFLICT (session_id) DO NOTHING
            """, new
            {
                sessionIds,
                cardIds = proposed.Select(p => p.CardId).ToArray(),
                versions = proposed.Select(p => p.CardVersion).ToArray(),
                questions = proposed.Select(p => string.Join(',', p.Part1QuestionIds)).ToArray(),
                assignedAt = proposed[0].AssignedAt,
            }, cancellationToken: ct));
        var rows = await connection.QueryAsync<AssignmentRow>(new CommandDefinition(
            $"SELECT {AssignmentColumns} FROM practice_assignments WHERE session_id = ANY(@sessionIds)", new { sessionIds }, cancellationToken: ct));
        return rows.Select(r => r.ToRecord()!).ToArray();
    }

    public async Task<PracticeAssignmentRecord?> GetAssignmentAsync(Guid sessionId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<AssignmentRow>(new CommandDefinition(
            $"SELECT {AssignmentColumns} FROM practice_assignments WHERE session_id = @sessionId", new { sessionId }, cancellationToken: ct));
        return row?.ToRecord();
    }

    private const string AssignmentColumns = "session_id, card_id, card_version, part1_question_ids, assigned_at";

    public async Task<IReadOnlyList<SessionHistoryRow>> ListAsync(Guid userId, int skip, int limit, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<HistoryRow>(new CommandDefinition($"""
            {HistorySelect}
            FROM (
                (SELECT * FROM sessions WHERE user1_id = @userId ORDER BY started_at DESC, id DESC LIMIT @window)
                UNION ALL
                (SELECT * FROM sessions WHERE user2_id = @userId ORDER BY started_at DESC, id DESC LIMIT @window)
            ) s
            {HistoryJoins}
            ORDER BY s.started_at DESC, s.id DESC
            OFFSET @skip LIMIT @limit
            """, new { userId, skip = (long)skip, limit = (long)limit, window = (long)skip + limit }, cancellationToken: ct));
        return rows.Select(r => r.ToRow()).ToArray();
    }

    public async Task<SessionHistoryRow?> GetAsync(Guid userId, Guid sessionId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<HistoryRow>(new CommandDefinition($"""
            {HistorySelect}
            FROM sessions s
            {HistoryJoins}
            WHERE s.id = @sessionId AND (s.user1_id = @userId OR s.user2_id = @userId)
            """, new { userId, sessionId }, cancellationToken: ct));
        return row?.ToRow();
    }

    private const string HistorySelect = """
        SELECT s.id AS session_id, p.id AS partner_id, p.username AS partner_username, s.mode, s.started_at, s.ended_at, s.status,
               s.end_reason, s.ended_by, pa.card_id, pa.card_version, pa.part1_question_ids, pa.assigned_at,
               EXISTS (SELECT 1 FROM peer_feedback f WHERE f.session_id = s.id AND f.rater_id = @userId) AS feedback_given,
               EXISTS (SELECT 1 FROM peer_feedback f WHERE f.session_id = s.id AND f.rated_id = @userId) AS feedback_received
        """;

    private const string HistoryJoins = """
        JOIN users p ON p.id = CASE WHEN s.user1_id = @userId THEN s.user2_id ELSE s.user1_id END
        LEFT JOIN practice_assignments pa ON pa.session_id = s.id
        """;

    private class AssignmentRow
    {
        public Guid SessionId { get; init; }
        public string? CardId { get; init; }
        public int? CardVersion { get; init; }
        public string[]? Part1QuestionIds { get; init; }
        public DateTime? AssignedAt { get; init; }

        public PracticeAssignmentRecord? ToRecord() => CardId is null
            ? null
            : new PracticeAssignmentRecord(SessionId, CardId, CardVersion ?? 1, Part1QuestionIds ?? [], AssignedAt ?? default);
    }

    private sealed class HistoryRow : AssignmentRow
    {
        public Guid PartnerId { get; init; }
        public string PartnerUsername { get; init; } = "";
        public string Mode { get; init; } = "";
        public DateTime StartedAt { get; init; }
        public DateTime? EndedAt { get; init; }
        public string Status { get; init; } = "";
        public string? EndReason { get; init; }
        public Guid? EndedBy { get; init; }
        public bool FeedbackGiven { get; init; }
        public bool FeedbackReceived { get; init; }

        public SessionHistoryRow ToRow() => new(SessionId, PartnerId, PartnerUsername, Mode, StartedAt, EndedAt, Status, EndReason, EndedBy,
            ToRecord(), FeedbackGiven, FeedbackReceived);
    }
}
