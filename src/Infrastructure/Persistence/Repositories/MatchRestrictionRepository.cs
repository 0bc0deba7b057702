using Dapper;
using Npgsql;
using Speaking.Application.Safety;
using Speaking.Domain.Matchmaking;

namespace Speaking.Infrastructure.Persistence.Repositories;

/// <summary>
/// The safety reads of a matchmaking round, over the users waiting in it: suspensions (users' primary key), blocks
/// (the blocks' primary key, blocker among the users) and recent sessions (ix_sessions_started).
/// </summary>
internal sealed class MatchRestrictionRepository(NpgsqlDataSource db) : IMatchRestrictions
{
    public async Task<IReadOnlySet<Guid>> SuspendedAmongAsync(IReadOnlyCollection<Guid> users, DateTime now, CancellationToken ct)
    {
        if (users.Count == 0) return new HashSet<Guid>();
        await using var connection = await db.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<Guid>(new CommandDefinition(
            "SELECT id FROM users WHERE id = ANY(@users) AND suspended_until > @now", new { users = users.ToArray(), now }, cancellationToken: ct)))
            .ToHashSet();
    }

    public async Task<IReadOnlySet<UserPair>> BlockedPairsAmongAsync(IReadOnlyCollection<Guid> users, CancellationToken ct)
    {
        if (users.Count < 2) return new HashSet<UserPair>();
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(Guid Blocker, Guid Blocked)>(new CommandDefinition(
            "SELECT blocker_id, blocked_id FROM blocks WHERE blocker_id = ANY(@users) AND blocked_id = ANY(@users)",
            new { users = users.ToArray() }, cancellationToken: ct));
        return rows.Select(r => new UserPair(r.Blocker, r.Blocked)).ToHashSet();
    }

    public async Task<IReadOnlySet<UserPair>> RecentPairsAmongAsync(IReadOnlyCollection<Guid> users, DateTime since, CancellationToken ct)
    {
        if (users.Count < 2) return new HashSet<UserPair>();
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(Guid User1, Guid User2)>(new CommandDefinition(
            "SELECT user1_id, user2_id FROM sessions WHERE started_at >= @since AND user1_id = ANY(@users) AND user2_id = ANY(@users)",
            new { users = users.ToArray(), since }, cancellationToken: ct));
        return rows.Select(r => new UserPair(r.User1, r.User2)).ToHashSet();
    }
}
