namespace Speaking.Application.Realtime;

/// <summary>
/// What one connection knows about the call it holds (amendment A-1: a session belongs to the connection that asked
/// for it). Relays are checked against it without a database read: the sender's connection must hold an active
/// session with the target, and the message goes to the partner's connection.
/// </summary>
public sealed record SessionBinding(Guid SessionId, Guid UserId, Guid PartnerId, ConnectionRef? PartnerConnection);

/// <summary>A change to a connection's binding, applied by the node that holds the connection before it delivers the message carrying it.</summary>
public abstract record BindingChange
{
    /// <summary>The connection now holds this session (sent with <c>matched</c>).</summary>
    public sealed record Bind(SessionBinding Binding) : BindingChange;

    /// <summary>The session is over for this connection (sent with <c>session_ended</c>): relays stop at once.</summary>
    public sealed record Unbind(Guid SessionId) : BindingChange;
}
