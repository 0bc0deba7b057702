using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Speaking.Application.Practice;
using Speaking.Domain.Practice;

namespace Speaking.Application.Realtime.Wire;

/// <summary>
/// Every message the server sends on the WebSocket, with exactly the contract's fields (section 4.7): which sit
/// at the top level, which under <c>data</c>, and which are sent as null rather than left out.
/// </summary>
public abstract record ServerMessage([property: JsonPropertyName("type"), JsonPropertyOrder(-1)] string Type)
{
    /// <summary>Timestamps on the wire: ISO 8601 UTC with microseconds and a trailing Z (D-26).</summary>
    public static string FormatTime(DateTime utc) =>
        utc.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}

public sealed record PongMessage() : ServerMessage("pong");

public sealed record ErrorMessage([property: JsonPropertyName("message")] string Message) : ServerMessage("error")
{
    public static readonly ErrorMessage InvalidMessage = new("Invalid message");
    public static readonly ErrorMessage NotInSession = new("Not in an active session with this user");
    public static readonly ErrorMessage InvalidChat = new("Invalid chat message");
    public static readonly ErrorMessage TargetRequired = new("target_user_id required");
    public static readonly ErrorMessage RateLimited = new("Rate limit exceeded");
    public static readonly ErrorMessage PartnerRequired = new("partner_user_id required");
    public static readonly ErrorMessage SessionRequired = new("session_id required");
    public static readonly ErrorMessage AlreadyQueued = new("Already in queue");
    public static readonly ErrorMessage InSession = new("Already in a session");
    public static readonly ErrorMessage InvalidMode = new("Invalid mode");
    public static readonly ErrorMessage InvalidLevel = new("level_filter must be a number between 1.0 and 9.0");
    /// <summary>A message that needs the database or Redis arrived while it did not answer; the socket stays open.</summary>
    public static readonly ErrorMessage Unavailable = new("Service temporarily unavailable");
}

public sealed record QueueJoinedMessage([property: JsonPropertyName("data")] QueueJoinedData Data) : ServerMessage("queue_joined");

public sealed record QueueJoinedData(
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("level_filter")] JsonElement? LevelFilter);

public sealed record QueueLeftMessage() : ServerMessage("queue_left");

public sealed record MatchedMessage([property: JsonPropertyName("data")] MatchedData Data) : ServerMessage("matched");

public sealed record MatchedData(
    [property: JsonPropertyName("partner_id")] Guid PartnerId,
    [property: JsonPropertyName("partner_username")] string PartnerUsername,
    [property: JsonPropertyName("partner_level")] double PartnerLevel,
    [property: JsonPropertyName("room_id")] string RoomId,
    [property: JsonPropertyName("session_id")] Guid SessionId,
    [property: JsonPropertyName("is_initiator")] bool IsInitiator)
{
    /// <summary>A-4: the pair's cue card and Part 1 questions; left out when none could be assigned.</summary>
    [JsonPropertyName("practice"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PracticePayload? Practice { get; init; }
}

/// <summary>offer / answer / ice_candidate as relayed to the partner; <see cref="Data"/> is the payload untouched.</summary>
public sealed record SignalMessage(
    string SignalType,
    [property: JsonPropertyName("from_user_id")] Guid FromUserId,
    [property: JsonPropertyName("data")] JsonElement Data) : ServerMessage(SignalType)
{
    [JsonIgnore]
    public string SignalType { get; init; } = SignalType;
}

public sealed record ChatMessage(
    [property: JsonPropertyName("from_user_id")] Guid FromUserId,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("timestamp")] string Timestamp) : ServerMessage("chat");

public sealed record SessionEndedMessage([property: JsonPropertyName("data")] SessionEndedData Data) : ServerMessage("session_ended")
{
    /// <summary>What the partner of an ended session is told.</summary>
    public static SessionEndedMessage For(Guid sessionId) => new(new SessionEndedData(JsonSerializer.SerializeToElement(sessionId.ToString())));
}

public sealed record SessionEndedData([property: JsonPropertyName("session_id")] JsonElement? SessionId);

public sealed record PartnerInviteMessage(
    [property: JsonPropertyName("from_user_id")] Guid FromUserId,
    [property: JsonPropertyName("from_username")] string FromUsername,
    [property: JsonPropertyName("from_level")] double FromLevel,
    [property: JsonPropertyName("timestamp")] string Timestamp) : ServerMessage("partner_invite");

public sealed record InviteSentMessage([property: JsonPropertyName("message")] string Message) : ServerMessage("invite_sent");

public sealed record InviteErrorMessage([property: JsonPropertyName("message")] string Message) : ServerMessage("invite_error");

public sealed record InviteRejectedMessage([property: JsonPropertyName("message")] string Message) : ServerMessage("invite_rejected");

/// <summary>
/// a phase of the timed practice script began (<c>phase</c> questions, prepare, speak or discussion), or the
/// script is over (<c>phase</c> "finished", with part, ends_at and speaker_user_id null).
/// </summary>
public sealed record PracticePhaseMessage([property: JsonPropertyName("data")] PracticePhaseData Data) : ServerMessage("practice_phase")
{
    public static PracticePhaseMessage Started(Guid sessionId, PracticePhase phase) =>
        new(new PracticePhaseData(sessionId, phase.Part, phase.Kind.ToWire(), FormatTime(phase.EndsAt), phase.SpeakerUserId));

    public static PracticePhaseMessage Finished(Guid sessionId) => new(new PracticePhaseData(sessionId, null, "finished", null, null));
}

public sealed record PracticePhaseData(
    [property: JsonPropertyName("session_id")] Guid SessionId,
    [property: JsonPropertyName("part")] int? Part,
    [property: JsonPropertyName("phase")] string Phase,
    [property: JsonPropertyName("ends_at")] string? EndsAt,
    [property: JsonPropertyName("speaker_user_id")] Guid? SpeakerUserId);

/// <summary>A-4: the partner rated this user (sent only if the user is online).</summary>
public sealed record FeedbackReceivedMessage([property: JsonPropertyName("data")] FeedbackView Data) : ServerMessage("feedback_received");

/// <summary>What goes back on the connection that sent a message (possibly nothing).</summary>
public sealed record SocketReply(IReadOnlyList<ServerMessage> Messages)
{
    public static readonly SocketReply None = new([]);

    public static SocketReply Of(ServerMessage message) => new([message]);

    public static implicit operator SocketReply(ServerMessage message) => Of(message);
}
