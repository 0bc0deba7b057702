namespace Speaking.Application.Realtime;

/// <summary>The bindings of the connections this node holds (amendment A-1), read on every relay: memory only, no I/O.</summary>
public interface ISessionBindings
{
    /// <summary>The session the connection holds, if it is open on this node and holds one.</summary>
    SessionBinding? Of(ConnectionRef connection);

    /// <summary>Ends the connection's hold on <paramref name="sessionId"/> (if that is what it holds).</summary>
    void Release(ConnectionRef connection, Guid sessionId);

    /// <summary>True when the connection belongs to this node and is closed or closing (presence may not know yet).</summary>
    bool IsGone(ConnectionRef connection);
}
