using System.Text.Json.Serialization;

namespace Speaking.Api.Quorra;

// Request and response shapes of Quorra's routes, for the OpenAPI document. Bodies are read by QuorraBody and
// validated in Application; names carry [JsonPropertyName] so the document shows Quorra's camelCase names.

public sealed record QuorraError(string Error);

public sealed record QuorraMessage(string Message);

public sealed record QuorraCredentials(string Username, string Password);

public sealed record QuorraMemoryRequest(string Context, string? Mood, string[]? Tags);

public sealed record QuorraMediaRequest(string? Title, string Type, string Url, double? Duration, string[]? Tags);

public sealed record QuorraMediaForm(string? Title, string? Type, double? Duration, string[]? Tags, IFormFile File);

public sealed record QuorraCommandRequest([property: JsonPropertyName("inputType")] string InputType, string Content, string? Response, string? Mood);

public sealed record QuorraNotificationRequest(string Title, string? Body, string Type, [property: JsonPropertyName("scheduledAt")] DateTime? ScheduledAt);

public sealed record QuorraVolumeRequest(int Level);

public sealed record QuorraAlarmRequest(string At);

public sealed record QuorraWifiRequest(bool Enabled);

public sealed record QuorraOfflineRequest([property: JsonPropertyName("clientId")] string ClientId, [property: JsonPropertyName("inputType")] string InputType,
    string Content, string? Response, string? Mood);
