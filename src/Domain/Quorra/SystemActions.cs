using System.Globalization;
using System.Text.RegularExpressions;

namespace Speaking.Domain.Quorra;

/// <summary>The root-guarded device actions. None of them touches the host: they are validated, audited and answered.</summary>
public static partial class SystemActions
{
    public const string Volume = "volume";
    public const string Alarm = "alarm";
    public const string Wifi = "wifi";

    public const int VolumeMin = 0;
    public const int VolumeMax = 100;

    /// <summary>The original's answers, each marked as a simulation.</summary>
    public static string MessageFor(string action) => action switch
    {
        Volume => "Volume o‘zgartirildi (simulyatsiya)",
        Alarm => "Alarm o‘rnatildi (simulyatsiya)",
        Wifi => "WiFi boshqaruvi bajarildi (simulyatsiya)",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
    };

    /// <summary>
    /// An alarm time: a time of day "HH:mm" (24-hour) or an ISO 8601 date-time with a UTC offset or Z.
    /// Returns the normalised text ("07:30" or "2026-01-02T07:30:00.000Z"), or null when it is neither.
    /// </summary>
    public static string? NormaliseAlarm(string text)
    {
        var trimmed = text.Trim();
        if (TimeOnly.TryParseExact(trimmed, ["HH:mm", "H:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
            return time.ToString("HH:mm", CultureInfo.InvariantCulture);
        if (trimmed.Length >= 16 && ZoneSuffix().IsMatch(trimmed)
            && DateTimeOffset.TryParse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at))
            return at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        return null;
    }

    [GeneratedRegex(@"(?:[Zz]|[+-]\d{2}:?\d{2})$")]
    private static partial Regex ZoneSuffix();
}
