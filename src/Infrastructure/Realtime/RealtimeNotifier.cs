using Speaking.Application.Realtime;
using Speaking.Application.Realtime.Wire;

namespace Speaking.Infrastructure.Realtime;

/// <summary>
/// Delivery for the whole cluster: to a connection on this node straight into its queue, to a connection elsewhere
/// through the cluster bus (whose node applies the same rules). Each message is serialised once.
/// </summary>
public sealed class RealtimeNotifier(ConnectionRegistry local, IPresence presence, IClusterBus bus) : IRealtimeNotifier
{
    public async ValueTask<bool> SendToUserAsync(Guid userId, ServerMessage message) =>
        await presence.NewestAsync(userId) is { } newest && await SendToConnectionAsync(newest.Connection, message);

    public ValueTask<bool> SendToConnectionAsync(ConnectionRef connection, ServerMessage message, BindingChange? change = null, Guid? onlyInSession = null)
    {
        var frame = WireJson.Serialize(message);
        if (connection.Node == local.Node)
            return ValueTask.FromResult(local.Find(connection)?.Deliver(frame, change, onlyInSession) ?? false);
        return bus.SendAsync(new Envelope(connection, frame, change, onlyInSession));
    }

    /// <summary>An envelope another node sent to a connection of this node.</summary>
    public bool Receive(Envelope envelope) => local.Find(envelope.Target)?.Deliver(envelope.Frame, envelope.Change, envelope.OnlyInSession) ?? false;
}
