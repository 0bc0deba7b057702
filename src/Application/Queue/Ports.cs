using Speaking.Domain.Common;
using Speaking.Domain.Matchmaking;
using Speaking.Domain.Sessions;

namespace Speaking.Application.Queue;

public interface IQueueRepository
{
    /// <summary>Adds an active ticket; false when the user already has one (enforced by a unique index, D-12).</summary>
    Task<bool> TryJoinAsync(QueueTicket ticket, CancellationToken ct);

    Task<QueueTicket?> GetActiveAsync(Guid userId, CancellationToken ct);

    /// <summary>Deactivates the user's active tickets; false when there were none.</summary>
    Task<bool> LeaveAsync(Guid userId, CancellationToken ct);

    /// <summary>Active tickets of a mode that joined at or before the given time.</summary>
    Task<int> CountJoinedUpToAsync(QueueMode mode, DateTime joinedAt, CancellationToken ct);

    /// <summary>Active level-filter tickets whose level is within 0.5 of the given level.</summary>
    Task<int> CountLevelFilterNearAsync(double level, CancellationToken ct);

    Task<IReadOnlyList<QueueTicket>> ListActiveAsync(CancellationToken ct);
}

public interface ISessionRepository
{
    Task<Session?> GetAsync(Guid id, CancellationToken ct);

    Task<Session?> FindActiveForUserAsync(Guid userId, CancellationToken ct);

    Task<bool> AreInActiveSessionAsync(Guid userA, Guid userB, CancellationToken ct);

    Task<IReadOnlySet<Guid>> UsersInActiveSessionsAsync(CancellationToken ct);

    /// <summary>Stores the session's end (status and ended_at) if it is still active in the database.</summary>
    Task<bool> SaveEndAsync(Session session, CancellationToken ct);

    /// <summary>
    /// One transaction for the round: for each pair whose two tickets are still active (locked with SKIP LOCKED)
    /// and whose users are in no active session, the session is inserted and both tickets are deactivated.
    /// A pair that fails is skipped. Returns the sessions that were committed.
    /// </summary>
    Task<IReadOnlyList<Session>> CommitMatchesAsync(IReadOnlyList<(MatchPair Pair, Session Session)> matches, CancellationToken ct);

    /// <summary>Inserts a session made by an accepted invitation and deactivates both users' tickets, unless either user is in an active session.</summary>
    Task<bool> TryStartInvitedAsync(Session session, CancellationToken ct);
}

public sealed class MatchmakingOptions
{
    public int RouletteIntervalSeconds { get; set; } = 20;
    public bool MatchRequiresConnection { get; set; } = true;
}
