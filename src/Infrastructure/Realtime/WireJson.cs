using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Speaking.Application.Realtime.Wire;

namespace Speaking.Infrastructure.Realtime;

/// <summary>
/// How server messages become WebSocket text frames: compact UTF-8 JSON with non-ASCII text written raw. The
/// messages' serializers are source-generated (<see cref="WireJsonContext"/>), so the socket path does no reflection;
/// a message type missing from the context still serializes, through reflection.
/// </summary>
public static class WireJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = JsonTypeInfoResolver.Combine(WireJsonContext.Default, new DefaultJsonTypeInfoResolver()),
    };

    public static byte[] Serialize(ServerMessage message) => JsonSerializer.SerializeToUtf8Bytes(message, Options.GetTypeInfo(message.GetType()));
}

[JsonSerializable(typeof(PongMessage))]
[JsonSerializable(typeof(ErrorMessage))]
[JsonSerializable(typeof(QueueJoinedMessage))]
[JsonSerializable(typeof(QueueLeftMessage))]
[JsonSerializable(typeof(MatchedMessage))]
[JsonSerializable(typeof(SignalMessage))]
[JsonSerializable(typeof(ChatMessage))]
[JsonSerializable(typeof(SessionEndedMessage))]
[JsonSerializable(typeof(PartnerInviteMessage))]
[JsonSerializable(typeof(InviteSentMessage))]
[JsonSerializable(typeof(InviteErrorMessage))]
[JsonSerializable(typeof(InviteRejectedMessage))]
[JsonSerializable(typeof(PracticePhaseMessage))]
[JsonSerializable(typeof(FeedbackReceivedMessage))]
internal sealed partial class WireJsonContext : JsonSerializerContext;
