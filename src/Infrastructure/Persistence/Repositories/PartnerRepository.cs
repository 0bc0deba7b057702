using Dapper;
using Npgsql;
using Speaking.Application.Partners;

namespace Speaking.Infrastructure.Persistence.Repositories;

internal sealed class PartnerRepository(NpgsqlDataSource db) : IPartnerRepository
{
    private const string RequestViewSelect = """
        SELECT r.id, r.from_user_id, f.username AS from_username, f.current_level AS from_level,
               r.to_user_id, t.username AS to_username, t.current_level AS to_level, r.status, r.created_at
        FROM partner_requests r
        JOIN users f ON f.id = r.from_user_id
        JOIN users t ON t.id = r.to_user_id
        """;

    public async Task<IReadOnlyList<UserSearchResult>> SearchAsync(Guid callerId, string text, int limit, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<SearchRow>(new CommandDefinition("""
            SELECT u.id, u.username, u.current_level, u.is_online,
                   EXISTS (SELECT 1 FROM partnerships p
                           WHERE LEAST(p.user1_id, p.user2_id) = LEAST(@callerId, u.id)
                             AND GREATEST(p.user1_id, p.user2_id) = GREATEST(@callerId, u.id)) AS is_partner,
                   EXISTS (SELECT 1 FROM partner_requests r
                           WHERE r.from_user_id = @callerId AND r.to_user_id = u.id AND r.status = 'pending') AS has_pending_request
            FROM users u
            WHERE u.id <> @callerId AND u.username ILIKE @pattern ESCAPE '\'
              AND NOT EXISTS (SELECT 1 FROM blocks b
                              WHERE (b.blocker_id = @callerId AND b.blocked_id = u.id) OR (b.blocker_id = u.id AND b.blocked_id = @callerId))
            ORDER BY u.created_at, u.id
            LIMIT @limit
            """, new { callerId, pattern = "%" + EscapeLike(text) + "%", limit }, cancellationToken: ct));
        return rows.Select(r => new UserSearchResult(r.Id, r.Username, r.CurrentLevel, r.IsOnline, r.IsPartner, r.HasPendingRequest)).ToArray();
    }

    /// <summary>D-11: the search text matches literally; %, _ and \ lose their pattern meaning.</summary>
    internal static string EscapeLike(string text) => text.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_");

    public async Task<bool> ArePartnersAsync(Guid userA, Guid userB, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition("""
            SELECT EXISTS (SELECT 1 FROM partnerships
                           WHERE LEAST(user1_id, user2_id) = LEAST(@userA, @userB)
                             AND GREATEST(user1_id, user2_id) = GREATEST(@userA, @userB))
            """, new { userA, userB }, cancellationToken: ct));
    }

    public async Task<bool> HasPendingBetweenAsync(Guid userA, Guid userB, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition("""
            SELECT EXISTS (SELECT 1 FROM partner_requests
                           WHERE status = 'pending'
                             AND LEAST(from_user_id, to_user_id) = LEAST(@userA, @userB)
                             AND GREATEST(from_user_id, to_user_id) = GREATEST(@userA, @userB))
            """, new { userA, userB }, cancellationToken: ct));
    }

    public async Task<DateTime?> LastRejectionAsync(Guid from, Guid to, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<DateTime?>(new CommandDefinition("""
            SELECT max(updated_at) FROM partner_requests WHERE from_user_id = @from AND to_user_id = @to AND status = 'rejected'
            """, new { from, to }, cancellationToken: ct));
    }

    public async Task<bool> TryCreateRequestAsync(StoredPartnerRequest request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        // ux_partner_requests_pending_pair turns a concurrent duplicate into "no row" (D-12).
        return await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO partner_requests (id, from_user_id, to_user_id, status, created_at, updated_at)
            VALUES (@Id, @FromUserId, @ToUserId, 'pending', @CreatedAt, @CreatedAt)
            ON CONFLICT DO NOTHING
            """, request, cancellationToken: ct)) == 1;
    }

    public async Task<PartnerRequestView?> GetRequestViewAsync(Guid requestId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<RequestRow>(new CommandDefinition(
            RequestViewSelect + " WHERE r.id = @requestId", new { requestId }, cancellationToken: ct));
        return row?.ToView();
    }

    public async Task<StoredPartnerRequest?> GetRequestAsync(Guid requestId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<RequestRow>(new CommandDefinition(
            "SELECT id, from_user_id, to_user_id, status, created_at FROM partner_requests WHERE id = @requestId",
            new { requestId }, cancellationToken: ct));
        return row is null ? null : new StoredPartnerRequest(row.Id, row.FromUserId, row.ToUserId, row.Status, row.CreatedAt);
    }

    public async Task<IReadOnlyList<PartnerRequestView>> ListIncomingAsync(Guid userId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<RequestRow>(new CommandDefinition(
            RequestViewSelect + " WHERE r.to_user_id = @userId AND r.status = 'pending' ORDER BY r.created_at DESC, r.id",
            new { userId }, cancellationToken: ct));
        return rows.Select(r => r.ToView()).ToArray();
    }

    public async Task<RequestDecision> DecideAsync(Guid requestId, bool accept, DateTime now, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var pair = await connection.QuerySingleOrDefaultAsync<(Guid From, Guid To)?>(new CommandDefinition("""
            UPDATE partner_requests SET status = @status, updated_at = @now
            WHERE id = @requestId AND status = 'pending'
            RETURNING from_user_id, to_user_id
            """, new { requestId, status = accept ? "accepted" : "rejected", now }, tx, cancellationToken: ct));
        if (pair is not { } users) return RequestDecision.NoLongerPending;

        if (accept)
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO partnerships (id, user1_id, user2_id, created_at) VALUES (@id, @From, @To, @now)
                ON CONFLICT DO NOTHING
                """, new { id = Guid.NewGuid(), users.From, users.To, now }, tx, cancellationToken: ct));
        }

        await tx.CommitAsync(ct);
        return accept ? RequestDecision.Accepted : RequestDecision.Rejected;
    }

    public async Task<IReadOnlyList<PartnerView>> ListPartnersAsync(Guid userId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<PartnerRow>(new CommandDefinition("""
            SELECT p.id, u.id AS user_id, u.username, u.current_level, u.target_score, u.is_online, u.last_seen, p.created_at AS partnership_date
            FROM partnerships p
            JOIN users u ON u.id = CASE WHEN p.user1_id = @userId THEN p.user2_id ELSE p.user1_id END
            WHERE p.user1_id = @userId OR p.user2_id = @userId
            ORDER BY p.created_at DESC, p.id
            """, new { userId }, cancellationToken: ct));
        return rows.Select(r => new PartnerView(r.Id, r.UserId, r.Username, r.CurrentLevel, r.TargetScore, r.IsOnline, r.LastSeen, r.PartnershipDate))
            .ToArray();
    }

    public async Task<bool> RemovePartnershipAsync(Guid userA, Guid userB, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM partnerships
            WHERE LEAST(user1_id, user2_id) = LEAST(@userA, @userB) AND GREATEST(user1_id, user2_id) = GREATEST(@userA, @userB)
            """, new { userA, userB }, cancellationToken: ct)) > 0;
    }

    private sealed class SearchRow
    {
        public Guid Id { get; init; }
        public string Username { get; init; } = "";
        public double CurrentLevel { get; init; }
        public bool IsOnline { get; init; }
        public bool IsPartner { get; init; }
        public bool HasPendingRequest { get; init; }
    }

    private sealed class RequestRow
    {
        public Guid Id { get; init; }
        public Guid FromUserId { get; init; }
        public string FromUsername { get; init; } = "";
        public double FromLevel { get; init; }
        public Guid ToUserId { get; init; }
        public string ToUsername { get; init; } = "";
        public double ToLevel { get; init; }
        public string Status { get; init; } = "";
        public DateTime CreatedAt { get; init; }

        public PartnerRequestView ToView() =>
            new(Id, FromUserId, FromUsername, FromLevel, ToUserId, ToUsername, ToLevel, Status, CreatedAt);
    }

    private sealed class PartnerRow
    {
        public Guid Id { get; init; }
        public Guid UserId { get; init; }
        public string Username { get; init; } = "";
        public double CurrentLevel { get; init; }
        public double TargetScore { get; init; }
        public bool IsOnline { get; init; }
        public DateTime LastSeen { get; init; }
        public DateTime PartnershipDate { get; init; }
    }
}
