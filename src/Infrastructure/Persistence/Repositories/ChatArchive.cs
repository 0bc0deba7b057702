using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;
using Speaking.Application.Practice;

namespace Speaking.Infrastructure.Persistence.Repositories;

/// <summary>Chat lines stored under their session. Storing is best effort: the relay already happened, so a failure is only logged.</summary>
internal sealed class ChatArchive(NpgsqlDataSource db, ILogger<ChatArchive> logger) : IChatArchive
{
    private const int DeleteBatch = 5_000;

    public async Task StoreAsync(ChatLine line, CancellationToken ct)
    {
        try
        {
            await using var connection = await db.OpenConnectionAsync(ct);
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO chat_messages (id, session_id, sender_id, body, sent_at)
                VALUES (@id, @session, @from, @body, @sentAt)
                """, new { id = Guid.CreateVersion7(line.SentAt), session = line.SessionId, from = line.FromUserId, body = line.Message, sentAt = line.SentAt },
                cancellationToken: ct));
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException && !ct.IsCancellationRequested)
        {
            // Never the text itself (STYLE: no chat in logs).
            logger.LogWarning(e, "Could not store a chat message of user {UserId}", line.FromUserId);
        }
    }

    public async Task<IReadOnlyList<StoredChatLine>> TranscriptAsync(Guid sessionId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<LineRow>(new CommandDefinition(
            "SELECT id, sender_id, body, sent_at FROM chat_messages WHERE session_id = @sessionId ORDER BY sent_at, id",
            new { sessionId }, cancellationToken: ct));
        return rows.Select(r => new StoredChatLine(r.Id, r.SenderId, r.Body, r.SentAt)).ToArray();
    }

    public async Task<int> DeleteOlderThanAsync(DateTime cutoff, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var total = 0;
        int deleted;
        do
        {
            // In batches, so a large backlog never holds many row locks or one long transaction.
            deleted = await connection.ExecuteAsync(new CommandDefinition("""
                DELETE FROM chat_messages WHERE id IN (SELECT id FROM chat_messages WHERE sent_at < @cutoff LIMIT @batch)
                """, new { cutoff, batch = DeleteBatch }, cancellationToken: ct));
            total += deleted;
        } while (deleted == DeleteBatch);

        return total;
    }

    private sealed class LineRow
    {
        public Guid Id { get; init; }
        public Guid SenderId { get; init; }
        public string Body { get; init; } = "";
        public DateTime SentAt { get; init; }
    }
}
