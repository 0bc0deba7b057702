using Speaking.Application.Realtime;
using Speaking.Application.Realtime.Wire;

namespace Speaking.Application.Sessions;

public static class SessionTraffic
{
    /// <summary>
    /// Sends a message about a session to the connection that holds the user's side of it, and only while it
    /// does; nothing when the side is held by no connection (the user is away, in the reconnect grace).
    /// </summary>
    public static async ValueTask<bool> SendToSideAsync(this IRealtimeNotifier notifier, ISessionRepository sessions, Guid sessionId, Guid userId,
        ServerMessage message, CancellationToken ct) =>
        await sessions.FindActiveForUserAsync(userId, ct) is { Connection: { } connection } side && side.Session.Id == sessionId
        && await notifier.SendToConnectionAsync(connection, message, onlyInSession: sessionId);
}
