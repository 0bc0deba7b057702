using Speaking.Application.Realtime;
using Speaking.Domain.Sessions;

namespace Speaking.Application.Sessions;

/// <summary>One side of an active session as stored: the connection its call belongs to, or the deadline it waits until.</summary>
public sealed record Participation(Session Session, Guid UserId, ConnectionRef? Connection, DateTime? ReconnectDeadline, ConnectionRef? PartnerConnection)
{
    public bool IsInitiator => Session.User1Id == UserId;

    public Guid PartnerId => Session.PartnerOf(UserId);
}

/// <summary>
/// A session about to start and the connection each side's call will belong to (amendment A-1). A side with no
/// live connection gets the reconnect deadline at once, so a session never waits for nobody.
/// </summary>
public sealed record SessionStart(Session Session, ConnectionRef? InitiatorConnection, ConnectionRef? CalleeConnection,
    Guid? InitiatorTicket = null, Guid? CalleeTicket = null)
{
    public ConnectionRef? ConnectionOf(Guid userId) => userId == Session.User1Id ? InitiatorConnection : CalleeConnection;
}

/// <summary>A session that just ended and the connections its two sides held, so both can be told.</summary>
public sealed record EndedSession(Session Session, ConnectionRef? User1Connection, ConnectionRef? User2Connection)
{
    public ConnectionRef? ConnectionOf(Guid userId) => userId == Session.User1Id ? User1Connection : User2Connection;
}

public interface ISessionRepository
{
    Task<Session?> GetAsync(Guid id, CancellationToken ct);

    Task<Participation?> FindActiveForUserAsync(Guid userId, CancellationToken ct);

    Task<IReadOnlySet<Guid>> UsersInActiveSessionsAsync(CancellationToken ct);

    /// <summary>
    /// Starts a round's sessions, set-based, in one transaction: a pair is started only when both its tickets are
    /// still active and neither user is in an active session (the database's unique index decides, so a pair that
    /// conflicts with an accepted invitation is skipped, never the round). Returns the sessions that started.
    /// </summary>
    Task<IReadOnlyList<SessionStart>> StartMatchedAsync(IReadOnlyList<SessionStart> proposed, DateTime reconnectDeadline, CancellationToken ct);

    /// <summary>Starts an invited session and closes both users' tickets, unless either user is in an active session.</summary>
    Task<bool> TryStartInvitedAsync(SessionStart start, DateTime reconnectDeadline, CancellationToken ct);

    /// <summary>Stores the session's end if it is still active; returns it with the connections its sides held.</summary>
    Task<EndedSession?> SaveEndAsync(Session session, CancellationToken ct);

    /// <summary>The connection went away: the participations it held are unbound and wait until <paramref name="deadline"/>.</summary>
    Task<IReadOnlyList<Participation>> DetachAsync(ConnectionRef connection, DateTime deadline, CancellationToken ct);

    /// <summary>
    /// Binds the user's side of an active session to <paramref name="connection"/> if it is still held by
    /// <paramref name="expected"/> (null: held by nobody). Clears the reconnect deadline. False when something else won.
    /// </summary>
    Task<bool> TryBindAsync(Guid sessionId, Guid userId, ConnectionRef connection, ConnectionRef? expected, CancellationToken ct);

    /// <summary>Unbound participations whose reconnect deadline has passed.</summary>
    Task<IReadOnlyList<Participation>> ListOverdueAsync(DateTime now, CancellationToken ct);

    /// <summary>Cancels the session (no_reconnect) if that side is still unbound and overdue; the ended session, or null.</summary>
    Task<EndedSession?> CancelOverdueAsync(Guid sessionId, Guid userId, DateTime now, CancellationToken ct);

    /// <summary>Every connection that holds an active session, with its user (to find those that died unnoticed).</summary>
    Task<IReadOnlyList<(Guid UserId, ConnectionRef Connection)>> ListBoundAsync(CancellationToken ct);

    /// <summary>Active participations bound to nobody and waiting for no deadline (sessions started by hand or before this version) get one.</summary>
    Task<int> StartMissingDeadlinesAsync(DateTime deadline, CancellationToken ct);
}
