using System.Text.Json;
using MediatR;
using Microsoft.Extensions.Logging;
using Speaking.Application.Common;
using Speaking.Application.Partners;
using Speaking.Application.Queue;
using Speaking.Application.Realtime;
using Speaking.Infrastructure.Persistence;

namespace Speaking.Infrastructure.Realtime;

/// <summary>
/// Reads one client message (contract 4.3 and 4.6), checks its shape, and hands it to the use case for its
/// <c>type</c>. Malformed input is answered with <c>{"type":"error","message":"Invalid message"}</c> and never
/// ends the connection (D-19); an unknown or missing type is ignored. A message is malformed when it is not JSON,
/// not an object, holds a string or key that is not Unicode text (a lone surrogate escape, invalid UTF-8), or, for a
/// known type, holds a NUL character anywhere (never stored, never relayed). While the database does not answer, a
/// message that needs it gets <c>{"type":"error","message":"Service temporarily unavailable"}</c>. Never logs
/// message contents, and logs at most one line per message.
/// </summary>
public sealed class MessageDispatcher(IMediator mediator, ILogger<MessageDispatcher> logger)
{
    public static readonly ErrorMessage InternalError = new("Internal error");
    public static readonly ErrorMessage ServiceUnavailable = new("Service temporarily unavailable");
    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    public async Task<SocketReply> DispatchAsync(Guid userId, ReadOnlyMemory<byte> utf8Json, CancellationToken ct)
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
            // After this check every string and key of the message can be read without throwing.
            var text = JsonText.Check(utf8Json.Span).Problem;
            if (text == JsonTextProblem.NotUnicode) return ErrorMessage.InvalidMessage;

            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return ErrorMessage.InvalidMessage;
            if (!root.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String) return SocketReply.None;

            var type = typeElement.GetString()!;
            if (!KnownTypes.Contains(type)) return SocketReply.None;
            if (text == JsonTextProblem.Nul) return ErrorMessage.InvalidMessage;

            var data = EmptyObject;
            if (root.TryGetProperty("data", out var sent))
            {
                if (sent.ValueKind != JsonValueKind.Object) return ErrorMessage.InvalidMessage;
                data = sent;
            }

            try
            {
                var request = ToRequest(userId, type, data);
                return request switch
                {
                    null => SocketReply.None,
                    SocketReply reply => reply,
                    IRequest<SocketReply> command => await mediator.Send(command, ct),
                    _ => SocketReply.None,
                };
            }
            catch (Exception e) when (DatabaseOutage.Is(e) && !ct.IsCancellationRequested)
            {
                logger.LogWarning("The database did not answer a {MessageType} message of user {UserId}: {Reason}", type, userId,
                    e.GetBaseException().Message);
                return ServiceUnavailable;
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                logger.LogError(e, "Handling a {MessageType} message of user {UserId} failed", type, userId);
                return InternalError;
            }
        }
    }

    private static readonly HashSet<string> KnownTypes =
        ["ping", "join_queue", "leave_queue", "offer", "answer", "ice_candidate", "chat", "end_session", "invite_partner", "invite_response"];

    /// <summary>Either a use case to run or the reply itself when the message is not well formed.</summary>
    private static object? ToRequest(Guid userId, string type, JsonElement data)
    {
        switch (type)
        {
            case "ping":
                return SocketReply.Of(new PongMessage());

            case "join_queue":
                // Cloned: the reply echoes them after this message's document is gone.
                return new JoinQueueFromSocketCommand(userId, Optional(data, "mode")?.Clone(), Optional(data, "level_filter")?.Clone());

            case "leave_queue":
                return new LeaveQueueFromSocketCommand(userId);

            case "offer" or "answer" or "ice_candidate":
            {
                var target = Optional(data, "target_user_id");
                if (IsBlank(target)) return SocketReply.Of(ErrorMessage.TargetRequired);
                if (!TryGuid(target!.Value, out var targetId)) return SocketReply.Of(ErrorMessage.InvalidMessage);
                // The payload is data.data; without it the original forwarded the whole outer data object.
                var payload = data.TryGetProperty("data", out var inner) ? inner.Clone() : data.Clone();
                return new RelaySignalCommand(userId, type, targetId, payload);
            }

            case "chat":
            {
                var target = Optional(data, "target_user_id");
                var message = Optional(data, "message");
                if (IsBlank(target) || IsBlank(message)) return null; // ignored silently, as the original did
                if (!TryGuid(target!.Value, out var targetId)) return SocketReply.Of(ErrorMessage.InvalidMessage);
                if (message!.Value.ValueKind != JsonValueKind.String) return SocketReply.Of(ErrorMessage.InvalidChat);
                return new SendChatCommand(userId, targetId, message.Value.GetString()!);
            }

            case "end_session":
            {
                var sessionId = Optional(data, "session_id");
                return new EndSessionCommand(userId, sessionId is { ValueKind: JsonValueKind.Null } ? null : sessionId?.Clone());
            }

            case "invite_partner":
            {
                var partner = Optional(data, "partner_user_id");
                if (IsBlank(partner)) return SocketReply.Of(InvitePartnerCommandHandler.PartnerRequired);
                if (partner!.Value.ValueKind != JsonValueKind.String) return SocketReply.Of(ErrorMessage.InvalidMessage);
                return new InvitePartnerCommand(userId, partner.Value.GetString());
            }

            case "invite_response":
            {
                var inviter = Optional(data, "inviter_user_id");
                if (IsBlank(inviter)) return null;
                if (inviter!.Value.ValueKind != JsonValueKind.String) return SocketReply.Of(ErrorMessage.InvalidMessage);
                var accepted = Optional(data, "accepted") is { ValueKind: JsonValueKind.True };
                return new RespondToInviteCommand(userId, inviter.Value.GetString(), accepted);
            }

            default:
                return null;
        }
    }

    private static JsonElement? Optional(JsonElement data, string name) => data.TryGetProperty(name, out var value) ? value : null;

    private static bool IsBlank(JsonElement? value) =>
        value is null || value.Value.ValueKind == JsonValueKind.Null
        || (value.Value.ValueKind == JsonValueKind.String && value.Value.GetString()!.Length == 0);

    private static bool TryGuid(JsonElement value, out Guid id)
    {
        id = default;
        return value.ValueKind == JsonValueKind.String && Guid.TryParse(value.GetString(), out id);
    }
}
