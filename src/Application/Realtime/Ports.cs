namespace Speaking.Application.Realtime;

/// <summary>Delivers server messages to users, wherever they are connected.</summary>
public interface IRealtimeNotifier
{
    /// <summary>Queues the message on the user's most recently opened live connection; false when there is none.</summary>
    ValueTask<bool> SendAsync(Guid userId, ServerMessage message);
}

/// <summary>Who has a live WebSocket connection.</summary>
public interface IPresence
{
    bool IsConnected(Guid userId);
}

/// <summary>Keeps a session alive for a while after a participant's last connection closed (D-15).</summary>
public interface IReconnectGrace
{
    /// <summary>After the grace period, <see cref="ExpireReconnectGraceCommand"/> runs for this user and session.</summary>
    void Start(Guid userId, Guid sessionId);

    void Cancel(Guid userId);
}

public sealed class RealtimeOptions
{
    public int SessionReconnectGraceSeconds { get; set; } = 20;
}
