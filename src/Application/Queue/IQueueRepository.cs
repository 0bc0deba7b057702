using Speaking.Application.Realtime;
using Speaking.Domain.Common;
using Speaking.Domain.Matchmaking;

namespace Speaking.Application.Queue;

/// <summary>A waiting ticket and the connection that asked for it (its session will belong to that connection, A-1).</summary>
public sealed record WaitingTicket(QueueTicket Ticket, ConnectionRef? Connection);

public enum JoinOutcome
{
    Joined,
    /// <summary>The user already has an active ticket (a unique index decides, D-12).</summary>
    AlreadyQueued,
    /// <summary>The user is in an active session (D-17); decided under the same lock that starting a session takes.</summary>
    InSession,
}

public interface IQueueRepository
{
    /// <summary>
    /// Adds an active ticket unless the user already has one or is in an active session. The check and the insert
    /// run under a lock on the user's row that every path starting a session also takes, so an invitation accepted at
    /// the same moment can never leave the user with a ticket while in a call. The ticket's <see cref="QueueTicket.Widen"/>
    /// is stored with it.
    /// </summary>
    Task<JoinOutcome> TryJoinAsync(QueueTicket ticket, ConnectionRef? connection, CancellationToken ct);

    Task<QueueTicket?> GetActiveAsync(Guid userId, CancellationToken ct);

    /// <summary>Deactivates the user's active tickets; false when there were none.</summary>
    Task<bool> LeaveAsync(Guid userId, CancellationToken ct);

    /// <summary>Active tickets of a mode that joined at or before the given time.</summary>
    Task<int> CountJoinedUpToAsync(QueueMode mode, DateTime joinedAt, CancellationToken ct);

    /// <summary>Active level-filter tickets whose level is within 0.5 of the given level.</summary>
    Task<int> CountLevelFilterNearAsync(double level, CancellationToken ct);

    Task<IReadOnlyList<WaitingTicket>> ListActiveAsync(CancellationToken ct);

    /// <summary>Active tickets per mode (for metrics).</summary>
    Task<IReadOnlyDictionary<QueueMode, int>> CountActiveByModeAsync(CancellationToken ct);
}
