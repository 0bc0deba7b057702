using Speaking.Domain.Common;

namespace Speaking.Domain.Quorra;

/// <summary>
/// Quorra's user-facing error texts. Those of the original keep its wording, including the typographic apostrophe
/// U+2018 (‘) of the Uzbek texts.
/// </summary>
public static class QuorraErrors
{
    public const string TokenMissingText = "Token yo‘q";
    public const string TokenInvalidText = "Token noto‘g‘ri yoki muddati tugagan";

    public static readonly Error TokenMissing = new(ErrorKind.Forbidden, TokenMissingText);
    public static readonly Error TokenInvalid = new(ErrorKind.Unauthorized, TokenInvalidText);
    public static readonly Error InvalidCredentials = new(ErrorKind.Unauthorized, "Invalid credentials");
    public static readonly Error UsernameTaken = new(ErrorKind.Conflict, "Username already taken");
    public static readonly Error TooManyLoginAttempts = new(ErrorKind.TooManyRequests, "Too many login attempts");
    public static readonly Error TooManyRegistrations = new(ErrorKind.TooManyRequests, "Too many registration attempts");

    public static readonly Error RootDenied = new(ErrorKind.Unauthorized, "Root ruxsat rad etildi");
    public static readonly Error RootPinNotConfigured = new(ErrorKind.ServiceUnavailable, "Root PIN not configured");
    public static readonly Error TooManyRootAttempts = new(ErrorKind.TooManyRequests, "Too many wrong root PINs; try again later");

    public static readonly Error MediaNotFound = new(ErrorKind.NotFound, "Media not found");
    public static readonly Error NotificationNotFound = new(ErrorKind.NotFound, "Notification not found");
    public static readonly Error FileTooLarge = new(ErrorKind.PayloadTooLarge,
        $"File too large: the limit is {MediaRules.MaxFileBytes / (1024 * 1024)} MiB");
    public static readonly Error NotAudioOrVideo = new(ErrorKind.UnsupportedMediaType, "The file must be audio/* or video/*");
    public static readonly Error TooManySettings = new(ErrorKind.BadRequest,
        $"Settings may hold at most {SettingsRules.MaxKeys} keys");
}
