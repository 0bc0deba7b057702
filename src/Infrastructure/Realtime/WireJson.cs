using System.Text.Encodings.Web;
using System.Text.Json;
using Speaking.Application.Realtime.Wire;

namespace Speaking.Infrastructure.Realtime;

/// <summary>How server messages become WebSocket text frames: compact UTF-8 JSON with non-ASCII text written raw.</summary>
public static class WireJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static byte[] Serialize(ServerMessage message) => JsonSerializer.SerializeToUtf8Bytes(message, message.GetType(), Options);
}
