using Dapper;
using Npgsql;
using Speaking.Application.Quorra.Auth;
using Speaking.Application.Quorra.Commands;
using Speaking.Application.Quorra.Memory;
using Speaking.Application.Quorra.Notifications;
using Speaking.Application.Quorra.Settings;
using Speaking.Domain.Quorra;

namespace Speaking.Infrastructure.Quorra;

internal sealed class QuorraUserRepository(NpgsqlDataSource db) : IQuorraUserRepository
{
    public async Task<bool> TryAddAsync(QuorraUser user, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO quorra_users (id, username, password_hash, created_at) VALUES (@Id, @Username, @PasswordHash, @CreatedAt)
            ON CONFLICT DO NOTHING
            """, new { user.Id, user.Username, user.PasswordHash, user.CreatedAt }, cancellationToken: ct)) == 1;
    }

    public async Task<QuorraUser?> FindByUsernameAsync(string username, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<UserRow>(new CommandDefinition(
            "SELECT id, username, password_hash, created_at FROM quorra_users WHERE lower(username) = lower(@username)",
            new { username }, cancellationToken: ct));
        return row is null ? null : QuorraUser.Restore(row.Id, row.Username, row.PasswordHash, row.CreatedAt);
    }

    public async Task<bool> ExistsAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM quorra_users WHERE id = @id)", new { id }, cancellationToken: ct));
    }

    private sealed class UserRow
    {
        public Guid Id { get; init; }
        public string Username { get; init; } = "";
        public string PasswordHash { get; init; } = "";
        public DateTime CreatedAt { get; init; }
    }
}

internal sealed class MemoryRepository(NpgsqlDataSource db) : IMemoryRepository
{
    public async Task AddAsync(MemorySnapshotView snapshot, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO quorra_memories (id, user_id, context, mood, tags, archived, created_at)
            VALUES (@Id, @User, @Context, @Mood, @Tags, @Archived, @CreatedAt)
            """, new { snapshot.Id, snapshot.User, snapshot.Context, snapshot.Mood, Tags = snapshot.Tags.ToArray(), snapshot.Archived, snapshot.CreatedAt },
            cancellationToken: ct));
    }

    public async Task<IReadOnlyList<MemorySnapshotView>> ListActiveAsync(Guid userId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<MemoryRow>(new CommandDefinition("""
            SELECT id, user_id, context, mood, tags, archived, created_at FROM quorra_memories
            WHERE user_id = @userId AND NOT archived
            ORDER BY created_at DESC, id DESC
            """, new { userId }, cancellationToken: ct));
        return rows.Select(r => new MemorySnapshotView(r.Id, r.UserId, r.Context, r.Mood, r.Tags, r.Archived, r.CreatedAt)).ToArray();
    }

    private sealed class MemoryRow
    {
        public Guid Id { get; init; }
        public Guid UserId { get; init; }
        public string Context { get; init; } = "";
        public string? Mood { get; init; }
        public string[] Tags { get; init; } = [];
        public bool Archived { get; init; }
        public DateTime CreatedAt { get; init; }
    }
}

internal sealed class CommandRepository(NpgsqlDataSource db) : ICommandRepository
{
    public async Task AddAsync(CommandView command, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO quorra_commands (id, user_id, input_type, content, response, mood, created_at)
            VALUES (@Id, @User, @InputType, @Content, @Response, @Mood, @CreatedAt)
            """, command, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<CommandView>> RecentAsync(Guid userId, int limit, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<CommandRow>(new CommandDefinition("""
            SELECT id, user_id, input_type, content, response, mood, created_at FROM quorra_commands
            WHERE user_id = @userId
            ORDER BY created_at DESC, id DESC
            LIMIT @limit
            """, new { userId, limit }, cancellationToken: ct));
        return rows.Select(r => new CommandView(r.Id, r.UserId, r.InputType, r.Content, r.Response, r.Mood, r.CreatedAt)).ToArray();
    }

    private sealed class CommandRow
    {
        public Guid Id { get; init; }
        public Guid UserId { get; init; }
        public string InputType { get; init; } = "";
        public string Content { get; init; } = "";
        public string? Response { get; init; }
        public string? Mood { get; init; }
        public DateTime CreatedAt { get; init; }
    }
}

internal sealed class NotificationRepository(NpgsqlDataSource db) : INotificationRepository
{
    private const string Columns = "id, user_id, title, body, type, scheduled_at, read, delivered_at, created_at";

    public async Task AddAsync(NotificationView n, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO quorra_notifications (id, user_id, title, body, type, scheduled_at, read, delivered_at, created_at)
            VALUES (@Id, @User, @Title, @Body, @Type, @ScheduledAt, @Read, @DeliveredAt, @CreatedAt)
            """, n, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<NotificationView>> ListAsync(Guid userId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<NotificationRow>(new CommandDefinition(
            $"SELECT {Columns} FROM quorra_notifications WHERE user_id = @userId ORDER BY scheduled_at DESC, created_at DESC, id DESC",
            new { userId }, cancellationToken: ct));
        return rows.Select(r => r.ToView()).ToArray();
    }

    public async Task<NotificationView?> MarkReadAsync(Guid userId, Guid id, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<NotificationRow>(new CommandDefinition(
            $"UPDATE quorra_notifications SET read = true WHERE id = @id AND user_id = @userId RETURNING {Columns}",
            new { id, userId }, cancellationToken: ct));
        return row?.ToView();
    }

    public async Task<IReadOnlyList<NotificationView>> ClaimDueRemindersAsync(IReadOnlyCollection<Guid> userIds, CancellationToken ct)
    {
        // Row locks make this exactly-once across nodes: a second claimer waits, re-checks delivered_at and skips.
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<NotificationRow>(new CommandDefinition($"""
            UPDATE quorra_notifications SET delivered_at = now()
            WHERE user_id = ANY(@users) AND type = 'reminder' AND scheduled_at <= now() AND delivered_at IS NULL
            RETURNING {Columns}
            """, new { users = userIds.ToArray() }, cancellationToken: ct));
        return rows.OrderBy(r => r.ScheduledAt).Select(r => r.ToView()).ToArray();
    }

    public async Task ReleaseAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE quorra_notifications SET delivered_at = NULL WHERE id = @id", new { id }, cancellationToken: ct));
    }

    private sealed class NotificationRow
    {
        public Guid Id { get; init; }
        public Guid UserId { get; init; }
        public string Title { get; init; } = "";
        public string? Body { get; init; }
        public string Type { get; init; } = "";
        public DateTime ScheduledAt { get; init; }
        public bool Read { get; init; }
        public DateTime? DeliveredAt { get; init; }
        public DateTime CreatedAt { get; init; }

        public NotificationView ToView() => new(Id, UserId, Title, Body, Type, ScheduledAt, Read, DeliveredAt, CreatedAt);
    }
}

internal sealed class SettingsRepository(NpgsqlDataSource db) : ISettingsRepository
{
    public async Task<string?> GetAsync(Guid userId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT data::text FROM quorra_settings WHERE user_id = @userId", new { userId }, cancellationToken: ct));
    }

    public async Task<string?> MergeAsync(Guid userId, string patchJson, int maxKeys, CancellationToken ct)
    {
        // One statement: the key limit is checked on the merged object itself, so concurrent updates cannot exceed it.
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<string?>(new CommandDefinition("""
            INSERT INTO quorra_settings AS s (user_id, data, updated_at)
            SELECT @userId, @patch::jsonb, now()
            WHERE (SELECT count(*) FROM jsonb_object_keys(@patch::jsonb)) <= @maxKeys
            ON CONFLICT (user_id) DO UPDATE SET data = s.data || EXCLUDED.data, updated_at = now()
                WHERE (SELECT count(*) FROM jsonb_object_keys(s.data || EXCLUDED.data)) <= @maxKeys
            RETURNING data::text
            """, new { userId, patch = patchJson, maxKeys }, cancellationToken: ct));
    }
}
