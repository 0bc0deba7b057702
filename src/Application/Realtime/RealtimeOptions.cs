namespace Speaking.Application.Realtime;

public sealed class RealtimeOptions
{
    /// <summary>How long a call waits for a participant whose connection went away (SESSION_RECONNECT_GRACE_SECONDS).</summary>
    public int SessionReconnectGraceSeconds { get; set; } = 20;

    public TimeSpan ReconnectGrace => TimeSpan.FromSeconds(SessionReconnectGraceSeconds);
}
