using Speaking.Application.Realtime.Wire;

namespace Speaking.Application.Realtime;

/// <summary>
/// Delivers server messages to users and connections wherever they are connected (this node, or another one through
/// the cluster's bus). Per sender and receiver, messages arrive in the order they were sent.
/// </summary>
public interface IRealtimeNotifier
{
    /// <summary>Queues the message on the user's most recently opened live connection (D-14); false when there is none.</summary>
    ValueTask<bool> SendToUserAsync(Guid userId, ServerMessage message);

    /// <summary>
    /// Queues the message on one connection. <paramref name="change"/> is applied to the connection's binding first;
    /// with <paramref name="onlyInSession"/> the message is dropped unless the connection still holds that session.
    /// False when the connection is gone.
    /// </summary>
    ValueTask<bool> SendToConnectionAsync(ConnectionRef connection, ServerMessage message, BindingChange? change = null, Guid? onlyInSession = null);
}
