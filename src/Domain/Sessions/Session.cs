using Speaking.Domain.Common;

namespace Speaking.Domain.Sessions;

public enum SessionStatus
{
    Active,
    Completed,
    Cancelled,
}

/// <summary>Why a session ended; stored beside the status so history can say how a call ended.</summary>
public enum SessionEndReason
{
    /// <summary>A participant pressed "end" (status completed).</summary>
    Ended,
    /// <summary>A participant's connection went away and did not come back within the reconnect grace (cancelled).</summary>
    NoReconnect,
    /// <summary>A participant blocked the other during the call.</summary>
    Blocked,
    /// <summary>A reload could not be resumed, so the call was ended at once (cancelled).</summary>
    ResumeFailed,
}

/// <summary>A call between two users. <see cref="User1Id"/> is the initiator who sends the WebRTC offer.</summary>
public sealed class Session
{
    private Session() { }

    public Guid Id { get; private set; }
    public Guid User1Id { get; private set; }
    public Guid User2Id { get; private set; }
    public QueueMode Mode { get; private set; }
    public string RoomId { get; private set; } = "";
    public SessionStatus Status { get; private set; }
    public DateTime StartedAt { get; private set; }
    public DateTime? EndedAt { get; private set; }
    public SessionEndReason? EndReason { get; private set; }
    /// <summary>The participant whose action ended the call (end_session, block), when there was one.</summary>
    public Guid? EndedBy { get; private set; }

    /// <summary>Starts a session; a user can never be in a session with themselves (D-13).</summary>
    public static Session Start(Guid id, Guid initiator, Guid callee, QueueMode mode, string roomId, DateTime now)
    {
        if (initiator == callee) throw new ArgumentException("A session needs two different users.", nameof(callee));
        return new Session
        {
            Id = id, User1Id = initiator, User2Id = callee, Mode = mode, RoomId = roomId,
            Status = SessionStatus.Active, StartedAt = now,
        };
    }

    public static Session Restore(Guid id, Guid user1, Guid user2, QueueMode mode, string roomId, SessionStatus status,
        DateTime startedAt, DateTime? endedAt, SessionEndReason? endReason = null, Guid? endedBy = null) => new()
    {
        Id = id, User1Id = user1, User2Id = user2, Mode = mode, RoomId = roomId, Status = status,
        StartedAt = startedAt, EndedAt = endedAt, EndReason = endReason, EndedBy = endedBy,
    };

    /// <summary>"room_" and the first 12 hex digits of a fresh random UUID, as the original made them.</summary>
    public static string NewRoomId(Guid random) => "room_" + random.ToString("N")[..12];

    public bool IsActive => Status == SessionStatus.Active;

    public bool IsParticipant(Guid userId) => userId == User1Id || userId == User2Id;

    public Guid PartnerOf(Guid userId) =>
        userId == User1Id ? User2Id
        : userId == User2Id ? User1Id
        : throw new ArgumentException("Not a participant of this session.", nameof(userId));

    /// <summary>Ends the call normally (end_session, or a block by <paramref name="by"/>). Only an active session can be completed.</summary>
    public bool Complete(DateTime now, Guid? by = null, SessionEndReason reason = SessionEndReason.Ended) =>
        End(SessionStatus.Completed, now, reason, by);

    /// <summary>Ends the call because a participant left and did not come back in time (or could not be resumed).</summary>
    public bool Cancel(DateTime now, SessionEndReason reason = SessionEndReason.NoReconnect) => End(SessionStatus.Cancelled, now, reason, null);

    private bool End(SessionStatus status, DateTime now, SessionEndReason reason, Guid? by)
    {
        if (!IsActive) return false;
        Status = status;
        EndedAt = now;
        EndReason = reason;
        EndedBy = by;
        return true;
    }
}

public static class SessionEndReasonNames
{
    public static string ToWire(this SessionEndReason reason) => reason switch
    {
        SessionEndReason.Ended => "ended",
        SessionEndReason.NoReconnect => "no_reconnect",
        SessionEndReason.Blocked => "blocked",
        _ => "resume_failed",
    };

    public static SessionEndReason? Parse(string? value) => value switch
    {
        "ended" => SessionEndReason.Ended,
        "no_reconnect" => SessionEndReason.NoReconnect,
        "blocked" => SessionEndReason.Blocked,
        "resume_failed" => SessionEndReason.ResumeFailed,
        _ => null,
    };
}

public static class SessionStatusNames
{
    public static string ToWire(this SessionStatus status) => status switch
    {
        SessionStatus.Active => "active",
        SessionStatus.Completed => "completed",
        _ => "cancelled",
    };

    public static SessionStatus Parse(string value) => value switch
    {
        "active" => SessionStatus.Active,
        "completed" => SessionStatus.Completed,
        "cancelled" => SessionStatus.Cancelled,
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown session status."),
    };
}
