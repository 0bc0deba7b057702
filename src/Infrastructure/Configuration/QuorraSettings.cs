using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Speaking.Infrastructure.Configuration;

/// <summary>
/// Settings of the Quorra module, read with the same sources and the same strictness as <see cref="SpeakingSettings"/>.
/// ROOT_PIN and SYNC_INTERVAL_MINUTES keep the original's names; the rest are ours.
/// </summary>
public sealed record QuorraSettings
{
    /// <summary>Null when unset. Unset or the original's default "0000" keeps the system routes closed (503).</summary>
    public string? RootPin { get; init; }
    public double SyncIntervalMinutes { get; init; } = 15;
    public int ReminderPollSeconds { get; init; } = 5;
    public int RootPinMaxFailuresPerUser { get; init; } = 5;
    public int RootPinMaxFailuresPerAddress { get; init; } = 20;
    public int RootPinFailureWindowSeconds { get; init; } = 300;

    public static QuorraSettings From(IConfiguration config)
    {
        var defaults = new QuorraSettings();
        return new QuorraSettings
        {
            RootPin = config["ROOT_PIN"] is { Length: > 0 } pin ? pin : null,
            SyncIntervalMinutes = Minutes(config, "SYNC_INTERVAL_MINUTES", defaults.SyncIntervalMinutes),
            ReminderPollSeconds = SpeakingSettings.Int(config, "QUORRA_REMINDER_POLL_SECONDS", defaults.ReminderPollSeconds, min: 1),
            RootPinMaxFailuresPerUser = SpeakingSettings.Int(config, "QUORRA_ROOT_PIN_MAX_FAILURES_PER_USER", defaults.RootPinMaxFailuresPerUser, min: 1),
            RootPinMaxFailuresPerAddress = SpeakingSettings.Int(config, "QUORRA_ROOT_PIN_MAX_FAILURES_PER_ADDRESS", defaults.RootPinMaxFailuresPerAddress, min: 1),
            RootPinFailureWindowSeconds = SpeakingSettings.Int(config, "QUORRA_ROOT_PIN_FAILURE_WINDOW_SECONDS", defaults.RootPinFailureWindowSeconds, min: 1),
        };
    }

    /// <summary>A positive number of minutes; fractions are allowed (0.5 = 30 s), down to one second, up to a week.</summary>
    private static double Minutes(IConfiguration config, string name, double fallback)
    {
        var text = config[name];
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        if (!double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            throw new ConfigurationProblem(name, $"must be a number of minutes (got '{text}').");
        if (value < 1.0 / 60 || value > 7 * 24 * 60)
            throw new ConfigurationProblem(name, $"must be between 0.0167 (one second) and 10080 (a week) minutes (got {value}).");
        return value;
    }
}
