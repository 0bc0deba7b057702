using Dapper;
using Npgsql;
using Speaking.Application.Safety;

namespace Speaking.Infrastructure.Persistence.Repositories;

/// <summary>
/// Blocks: one row per blocker and blocked user. Every "is this pair blocked" question is answered from the primary key
/// (blocker_id, blocked_id), probed in both directions, never by scanning.
/// </summary>
internal sealed class BlockRepository(NpgsqlDataSource db) : IBlockRepository
{
    public async Task<BlockView> BlockAsync(Guid blockerId, Guid blockedId, DateTime now, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // The two users' rows are locked in id order, as every session start locks them: a session start that has not
        // committed yet either finishes first (and the caller then finds the session and ends it) or sees the block.
        var users = new[] { blockerId, blockedId };
        await connection.ExecuteAsync(new CommandDefinition("SELECT 1 FROM users WHERE id = ANY(@users) ORDER BY id FOR UPDATE", new { users }, tx,
            cancellationToken: ct));
        // Then one statement for the block and everything it ends. Data-modifying WITH clauses run whether or not the
        // SELECT reads them; the SELECT sees the table as it was before the statement, so an existing block keeps its time.
        var block = (await connection.QuerySingleAsync<BlockRow>(new CommandDefinition("""
            WITH blocked AS (
                INSERT INTO blocks (blocker_id, blocked_id, created_at) VALUES (@blockerId, @blockedId, @now)
                ON CONFLICT DO NOTHING),
            unpartnered AS (
                DELETE FROM partnerships
                WHERE LEAST(user1_id, user2_id) = LEAST(@blockerId, @blockedId) AND GREATEST(user1_id, user2_id) = GREATEST(@blockerId, @blockedId)),
            closed AS (
                UPDATE partner_requests SET status = 'rejected', updated_at = @now
                WHERE status = 'pending'
                  AND LEAST(from_user_id, to_user_id) = LEAST(@blockerId, @blockedId)
                  AND GREATEST(from_user_id, to_user_id) = GREATEST(@blockerId, @blockedId)),
            uninvited AS (
                DELETE FROM invitations
                WHERE (inviter_id = @blockerId AND invitee_id = @blockedId) OR (inviter_id = @blockedId AND invitee_id = @blockerId))
            SELECT u.id AS user_id, u.username,
                   COALESCE((SELECT b.created_at FROM blocks b WHERE b.blocker_id = @blockerId AND b.blocked_id = @blockedId), @now) AS blocked_at
            FROM users u WHERE u.id = @blockedId
            """, new { blockerId, blockedId, now }, tx, cancellationToken: ct))).ToView();
        await tx.CommitAsync(ct);
        return block;
    }

    public async Task<bool> UnblockAsync(Guid blockerId, Guid blockedId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM blocks WHERE blocker_id = @blockerId AND blocked_id = @blockedId", new { blockerId, blockedId }, cancellationToken: ct)) == 1;
    }

    public async Task<IReadOnlyList<BlockView>> ListAsync(Guid blockerId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<BlockRow>(new CommandDefinition("""
            SELECT b.blocked_id AS user_id, u.username, b.created_at AS blocked_at
            FROM blocks b JOIN users u ON u.id = b.blocked_id
            WHERE b.blocker_id = @blockerId
            ORDER BY b.created_at DESC, b.blocked_id
            """, new { blockerId }, cancellationToken: ct))).Select(r => r.ToView()).ToArray();
    }

    public async Task<bool> EitherBlocksAsync(Guid a, Guid b, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition("""
            SELECT EXISTS (SELECT 1 FROM blocks WHERE (blocker_id = @a AND blocked_id = @b) OR (blocker_id = @b AND blocked_id = @a))
            """, new { a, b }, cancellationToken: ct));
    }

    private sealed class BlockRow
    {
        public Guid UserId { get; init; }
        public string Username { get; init; } = "";
        public DateTime BlockedAt { get; init; }

        public BlockView ToView() => new(UserId, Username, BlockedAt);
    }
}
