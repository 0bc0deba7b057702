using Dapper;
using Npgsql;
using Speaking.Application.Users;
using Speaking.Domain.Users;

namespace Speaking.Infrastructure.Persistence.Repositories;

/// <summary>
/// Users in PostgreSQL. Every write to a user row also makes this node's <see cref="UserDirectory"/> forget that user
/// at once (the other nodes hear of it through the trigger's notification).
/// </summary>
internal sealed class UserRepository(NpgsqlDataSource db, UserDirectory directory) : IUserRepository
{
    private const string Columns = "id, email, password_hash, username, current_level, target_score, is_online, last_seen, created_at, is_admin, suspended_until";

    public async Task<bool> TryAddAsync(User user, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var inserted = await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO users (id, email, password_hash, username, current_level, target_score, is_online, last_seen, created_at, updated_at)
            VALUES (@Id, @Email, @PasswordHash, @Username, @CurrentLevel, @TargetScore, @IsOnline, @LastSeen, @CreatedAt, @CreatedAt)
            ON CONFLICT DO NOTHING
            """, new { user.Id, user.Email, user.PasswordHash, user.Username, user.CurrentLevel, user.TargetScore, user.IsOnline, user.LastSeen, user.CreatedAt },
            cancellationToken: ct));
        return inserted == 1;
    }

    public async Task<User?> GetAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<UserRow>(new CommandDefinition(
            $"SELECT {Columns} FROM users WHERE id = @id", new { id }, cancellationToken: ct));
        return row?.ToUser();
    }

    public async Task<User?> FindByEmailAsync(string email, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QueryFirstOrDefaultAsync<UserRow>(new CommandDefinition(
            $"SELECT {Columns} FROM users WHERE lower(email) = lower(@email) ORDER BY (email = @email) DESC, created_at LIMIT 1",
            new { email }, cancellationToken: ct));
        return row?.ToUser();
    }

    public async Task<IReadOnlyList<User>> ListAsync(bool onlineOnly, int skip, int limit, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<UserRow>(new CommandDefinition($"""
            SELECT {Columns} FROM users
            WHERE (NOT @onlineOnly OR is_online)
            ORDER BY created_at, id
            OFFSET @skip LIMIT @limit
            """, new { onlineOnly, skip, limit }, cancellationToken: ct));
        return rows.Select(r => r.ToUser()).ToArray();
    }

    public async Task<IReadOnlyList<User>> GetManyAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<UserRow>(new CommandDefinition(
            $"SELECT {Columns} FROM users WHERE id = ANY(@ids)", new { ids = ids.ToArray() }, cancellationToken: ct));
        return rows.Select(r => r.ToUser()).ToArray();
    }

    public async Task<int> CountOnlineAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT count(*) FROM users WHERE is_online", cancellationToken: ct));
    }

    public async Task UpdateProfileAsync(User user, DateTime now, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE users SET username = @Username, current_level = @CurrentLevel, target_score = @TargetScore, updated_at = @now
            WHERE id = @Id
            """, new { user.Id, user.Username, user.CurrentLevel, user.TargetScore, now }, cancellationToken: ct));
        directory.Forget(user.Id);
    }

    public async Task SetPresenceAsync(Guid id, bool isOnline, DateTime now, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE users SET is_online = @isOnline, last_seen = @now WHERE id = @id", new { id, isOnline, now }, cancellationToken: ct));
        directory.Forget(id);
    }

    public async Task<IReadOnlyList<Guid>> ListOnlineIdsAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<Guid>(new CommandDefinition("SELECT id FROM users WHERE is_online", cancellationToken: ct))).ToArray();
    }

    public async Task<IReadOnlyList<Guid>> SetOfflineUnlessSeenSinceAsync(IReadOnlyCollection<Guid> ids, DateTime seenSince, DateTime now, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var offline = (await connection.QueryAsync<Guid>(new CommandDefinition("""
            UPDATE users SET is_online = false, last_seen = @now
            WHERE id = ANY(@ids) AND is_online AND last_seen < @seenSince
            RETURNING id
            """, new { ids = ids.ToArray(), seenSince, now }, cancellationToken: ct))).ToArray();
        foreach (var id in offline) directory.Forget(id);
        return offline;
    }

    private sealed class UserRow
    {
        public Guid Id { get; init; }
        public string Email { get; init; } = "";
        public string PasswordHash { get; init; } = "";
        public string Username { get; init; } = "";
        public double CurrentLevel { get; init; }
        public double TargetScore { get; init; }
        public bool IsOnline { get; init; }
        public DateTime LastSeen { get; init; }
        public DateTime CreatedAt { get; init; }
        public bool IsAdmin { get; init; }
        public DateTime? SuspendedUntil { get; init; }

        public User ToUser() =>
            User.Restore(Id, Email, PasswordHash, Username, CurrentLevel, TargetScore, IsOnline, LastSeen, CreatedAt, IsAdmin, SuspendedUntil);
    }
}
