namespace Speaking.Application.Realtime;

public sealed class RealtimeOptions
{
    /// <summary>How long a call waits for a participant whose connection went away (SESSION_RECONNECT_GRACE_SECONDS).</summary>
    public int SessionReconnectGraceSeconds { get; set; } = 20;

    public TimeSpan ReconnectGrace => TimeSpan.FromSeconds(SessionReconnectGraceSeconds);

    /// <summary>
    /// RESUME_CALLEE_HEAD_START_MS: when the callee comes back (a reload), how long its page has to mount the call screen
    /// before the initiator's call is restarted and offers anew. Zero restarts both at once.
    /// </summary>
    public int CalleeResumeHeadStartMs { get; set; } = 3000;

    public TimeSpan CalleeResumeHeadStart => TimeSpan.FromMilliseconds(CalleeResumeHeadStartMs);
}
