using System.Text.Json;
using Speaking.Application.Common;

namespace Speaking.Application.Realtime.Wire;

/// <summary>
/// Every message a client sends on the WebSocket (contract 4.6, amendments A-4), as read from one text frame.
/// Values the contract echoes back as sent (join_queue's mode and level_filter, end_session's session_id) are kept
/// as JSON, cloned so they outlive the frame.
/// </summary>
public abstract record ClientMessage
{
    public sealed record Ping : ClientMessage;

    public sealed record JoinQueue(JsonElement? Mode, JsonElement? LevelFilter, bool Widen) : ClientMessage;

    public sealed record LeaveQueue : ClientMessage;

    /// <summary>offer / answer / ice_candidate: the payload is <c>data.data</c>, or the whole <c>data</c> when it has no inner data (as the original did).</summary>
    public sealed record Signal(string Type, Guid TargetUserId, JsonElement Payload) : ClientMessage;

    public sealed record Chat(Guid TargetUserId, string Message) : ClientMessage;

    public sealed record EndSession(JsonElement? SessionIdAsSent) : ClientMessage;

    public sealed record InvitePartner(string PartnerUserId) : ClientMessage;

    public sealed record InviteResponse(string InviterUserId, bool Accepted) : ClientMessage;

    public sealed record PracticeStart(Guid SessionId) : ClientMessage;

    public sealed record PracticeStop(Guid SessionId) : ClientMessage;
}

/// <summary>What reading one frame gave: a message to handle, a reply to send at once, or nothing (ignored).</summary>
public readonly record struct ClientFrame(ClientMessage? Message, ServerMessage? Reply)
{
    public static readonly ClientFrame Ignored = default;

    public static implicit operator ClientFrame(ClientMessage message) => new(message, null);

    public static implicit operator ClientFrame(ServerMessage reply) => new(null, reply);
}

/// <summary>
/// Reads client frames per contract 4.3: JSON objects with a string <c>type</c> and an optional object <c>data</c>.
/// Malformed input is answered with <c>{"type":"error","message":"Invalid message"}</c> and never ends the connection
/// (D-19): not JSON, not an object, a string or key anywhere that is not Unicode text (a lone surrogate escape, invalid
/// UTF-8: checked once by <see cref="JsonText"/> before any field is read), data that is not an object, ids that are
/// not UUIDs, and for a known type a NUL character anywhere (never stored, never relayed). An unknown or missing
/// type is ignored.
/// </summary>
public static class ClientMessageReader
{
    public const int MaxChatLength = 2000;

    public static ClientFrame Read(ReadOnlyMemory<byte> utf8Json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json);
        }
        catch (JsonException)
        {
            return ErrorMessage.InvalidMessage;
        }

        using (document)
        {
            var text = JsonText.Check(utf8Json.Span).Problem;
            if (text == JsonTextProblem.NotUnicode) return ErrorMessage.InvalidMessage;

            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return ErrorMessage.InvalidMessage;
            if (!root.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String) return ClientFrame.Ignored;
            var type = typeElement.GetString()!;
            if (!IsKnown(type)) return ClientFrame.Ignored;
            if (text == JsonTextProblem.Nul) return ErrorMessage.InvalidMessage;

            var data = default(JsonElement);
            if (root.TryGetProperty("data", out var sent))
            {
                if (sent.ValueKind != JsonValueKind.Object) return ErrorMessage.InvalidMessage;
                data = sent;
            }

            return Read(type, data);
        }
    }

    /// <summary>Every client message type the server serves; any other type is ignored.</summary>
    public static readonly IReadOnlySet<string> KnownTypes = new HashSet<string>
    {
        "ping", "join_queue", "leave_queue", "offer", "answer", "ice_candidate", "chat", "end_session", "invite_partner", "invite_response",
        "practice_start", "practice_stop",
    };

    private static bool IsKnown(string type) => KnownTypes.Contains(type);

    private static ClientFrame Read(string type, JsonElement data)
    {
        switch (type)
        {
            case "ping":
                return new ClientMessage.Ping();

            case "join_queue":
            {
                var mode = Field(data, "mode");
                var level = Field(data, "level_filter");
                return new ClientMessage.JoinQueue(mode?.Clone(), level?.Clone(), Field(data, "widen") is { ValueKind: JsonValueKind.True });
            }

            case "leave_queue":
                return new ClientMessage.LeaveQueue();

            case "offer" or "answer" or "ice_candidate":
            {
                var target = Field(data, "target_user_id");
                if (IsBlank(target)) return ErrorMessage.TargetRequired;
                if (!TryUuid(target!.Value, out var targetId)) return ErrorMessage.InvalidMessage;
                return new ClientMessage.Signal(type, targetId, (Field(data, "data") ?? data).Clone());
            }

            case "chat":
            {
                var target = Field(data, "target_user_id");
                var message = Field(data, "message");
                if (IsBlank(target) || IsBlank(message)) return ClientFrame.Ignored; // ignored silently, as the original did
                if (!TryUuid(target!.Value, out var targetId)) return ErrorMessage.InvalidMessage;
                if (message!.Value.ValueKind != JsonValueKind.String || message.Value.GetString() is not { Length: <= MaxChatLength } chat)
                    return ErrorMessage.InvalidChat;
                return new ClientMessage.Chat(targetId, chat);
            }

            case "end_session":
            {
                var sessionId = Field(data, "session_id");
                return new ClientMessage.EndSession(sessionId is null or { ValueKind: JsonValueKind.Null } ? null : sessionId.Value.Clone());
            }

            case "invite_partner":
            {
                var partner = Field(data, "partner_user_id");
                if (IsBlank(partner)) return ErrorMessage.PartnerRequired;
                if (partner!.Value.ValueKind != JsonValueKind.String) return ErrorMessage.InvalidMessage;
                return new ClientMessage.InvitePartner(partner.Value.GetString()!);
            }

            case "invite_response":
            {
                var inviter = Field(data, "inviter_user_id");
                if (IsBlank(inviter)) return ClientFrame.Ignored;
                if (inviter!.Value.ValueKind != JsonValueKind.String) return ErrorMessage.InvalidMessage;
                return new ClientMessage.InviteResponse(inviter.Value.GetString()!, Field(data, "accepted") is { ValueKind: JsonValueKind.True });
            }

            case "practice_start" or "practice_stop":
            {
                var session = Field(data, "session_id");
                if (IsBlank(session)) return ErrorMessage.SessionRequired;
                if (!TryUuid(session!.Value, out var sessionId)) return ErrorMessage.InvalidMessage;
                return type == "practice_start" ? new ClientMessage.PracticeStart(sessionId) : new ClientMessage.PracticeStop(sessionId);
            }

            default:
                return ClientFrame.Ignored;
        }
    }

    private static JsonElement? Field(JsonElement data, string name) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty(name, out var value) ? value : null;

    private static bool IsBlank(JsonElement? value) =>
        value is null || value.Value.ValueKind == JsonValueKind.Null
        || (value.Value.ValueKind == JsonValueKind.String && value.Value.GetRawText().Length == 2);

    private static bool TryUuid(JsonElement value, out Guid id)
    {
        id = default;
        return value.ValueKind == JsonValueKind.String && Guid.TryParse(value.GetString(), out id);
    }
}
