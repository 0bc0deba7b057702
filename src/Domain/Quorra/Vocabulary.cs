namespace Speaking.Domain.Quorra;

/// <summary>The closed word lists of Quorra's records, as the original's schemas declared them.</summary>
public static class Vocabulary
{
    public static readonly IReadOnlyList<string> MediaTypes = ["audio", "video"];
    public static readonly IReadOnlyList<string> CommandInputTypes = ["text", "audio", "image"];
    public static readonly IReadOnlyList<string> NotificationTypes = ["reminder", "system", "custom"];

    public const string Reminder = "reminder";
}

/// <summary>Bounds on what a client may store, so no request can make a row (or a response) unreasonably large.</summary>
public static class TextLimits
{
    public const int UsernameMin = 3;
    public const int UsernameMax = 64;
    public const int PasswordMin = 6;
    public const int PasswordMax = 128;
    public const int Short = 200;        // titles, moods, client ids, file names
    public const int Long = 20_000;      // memory context, command content and response, notification body
    public const int Url = 2048;
    public const int MaxTags = 32;
    public const int TagMax = 64;
}

/// <summary>Uploaded media files.</summary>
public static class MediaRules
{
    public const long MaxFileBytes = 25L * 1024 * 1024;

    /// <summary>"audio" or "video" for a declared content type of that family (parameters ignored); null otherwise.</summary>
    public static string? KindOf(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType)) return null;
        var type = contentType.Split(';')[0].Trim().ToLowerInvariant();
        var slash = type.IndexOf('/');
        if (slash <= 0 || slash == type.Length - 1 || type.IndexOf('/', slash + 1) >= 0) return null;
        var family = type[..slash];
        return family is "audio" or "video" ? family : null;
    }
}
