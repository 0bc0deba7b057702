using Speaking.Domain.Common;

namespace Speaking.Domain.Webrtc;

public static class TurnErrors
{
    /// <summary>TURN_SECRET is unset: the frontend falls back to its own ICE servers.</summary>
    public static readonly Error NotConfigured = new(ErrorKind.ServiceUnavailable, "TURN is not configured");
}
