using Dapper;
using Npgsql;
using Speaking.Application.Practice;
using Speaking.Domain.Practice;

namespace Speaking.Infrastructure.Persistence.Repositories;

internal sealed class FeedbackRepository(NpgsqlDataSource db) : IFeedbackRepository
{
    private const string Columns =
        "id, session_id, rater_id, rated_id, fluency_coherence, lexical_resource, grammatical_range_accuracy, pronunciation, comment, created_at";

    public async Task<bool> HasGivenAsync(Guid sessionId, Guid raterId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM peer_feedback WHERE session_id = @sessionId AND rater_id = @raterId)",
            new { sessionId, raterId }, cancellationToken: ct));
    }

    public async Task<bool> TryAddAsync(StoredFeedback feedback, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition($"""
            INSERT INTO peer_feedback ({Columns})
            VALUES (@Id, @SessionId, @RaterId, @RatedUserId, @FluencyCoherence, @LexicalResource, @GrammaticalRangeAccuracy, @Pronunciation,
                    @Comment, @CreatedAt)
            ON CONFLICT (session_id, rater_id) DO NOTHING
            """, new
            {
                feedback.Id, feedback.SessionId, feedback.RaterId, feedback.RatedUserId, feedback.Scores.FluencyCoherence,
                feedback.Scores.LexicalResource, feedback.Scores.GrammaticalRangeAccuracy, feedback.Scores.Pronunciation, feedback.Comment,
                feedback.CreatedAt,
            }, cancellationToken: ct)) == 1;
    }

    public async Task<IReadOnlyList<ReceivedRating>> ReceivedSinceAsync(Guid userId, DateTime since, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<FeedbackRow>(new CommandDefinition(
            $"SELECT {Columns} FROM peer_feedback WHERE rated_id = @userId AND created_at >= @since ORDER BY created_at",
            new { userId, since }, cancellationToken: ct));
        return rows.Select(r => new ReceivedRating(r.RaterId, r.Scores, r.CreatedAt)).ToArray();
    }

    public async Task<IReadOnlyDictionary<Guid, RatingSummary>> SummariesSinceAsync(IReadOnlyCollection<Guid> users, DateTime since, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<SummaryRow>(new CommandDefinition("""
            SELECT rated_id, count(*)::int AS count, count(DISTINCT rater_id)::int AS raters,
                   avg(fluency_coherence) AS fluency_coherence, avg(lexical_resource) AS lexical_resource,
                   avg(grammatical_range_accuracy) AS grammatical_range_accuracy, avg(pronunciation) AS pronunciation
            FROM peer_feedback
            WHERE rated_id = ANY(@users) AND created_at >= @since
            GROUP BY rated_id
            """, new { users = users.ToArray(), since }, cancellationToken: ct));
        return rows.ToDictionary(r => r.RatedId, r => new RatingSummary(r.Count, r.Raters,
            new CriterionAverages(r.FluencyCoherence, r.LexicalResource, r.GrammaticalRangeAccuracy, r.Pronunciation)));
    }

    public async Task<IReadOnlyList<StoredFeedback>> ForSessionAsync(Guid sessionId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<FeedbackRow>(new CommandDefinition(
            $"SELECT {Columns} FROM peer_feedback WHERE session_id = @sessionId ORDER BY created_at", new { sessionId }, cancellationToken: ct));
        return rows.Select(r => new StoredFeedback(r.Id, r.SessionId, r.RaterId, r.RatedId, r.Scores, r.Comment, r.CreatedAt)).ToArray();
    }

    private sealed class FeedbackRow
    {
        public Guid Id { get; init; }
        public Guid SessionId { get; init; }
        public Guid RaterId { get; init; }
        public Guid RatedId { get; init; }
        public double FluencyCoherence { get; init; }
        public double LexicalResource { get; init; }
        public double GrammaticalRangeAccuracy { get; init; }
        public double Pronunciation { get; init; }
        public string? Comment { get; init; }
        public DateTime CreatedAt { get; init; }

        public PeerScores Scores => new(FluencyCoherence, LexicalResource, GrammaticalRangeAccuracy, Pronunciation);
    }

    private sealed class SummaryRow
    {
        public Guid RatedId { get; init; }
        public int Count { get; init; }
        public int Raters { get; init; }
        public double FluencyCoherence { get; init; }
        public double LexicalResource { get; init; }
        public double GrammaticalRangeAccuracy { get; init; }
        public double Pronunciation { get; init; }
    }
}
