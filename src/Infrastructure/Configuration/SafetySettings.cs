using Microsoft.Extensions.Configuration;
using Speaking.Domain.Safety;

namespace Speaking.Infrastructure.Configuration;

/// <summary>Safety and fair matching (issue 17): suspensions from reports, moderators, re-pairing cooldown, level widening.</summary>
public sealed record SafetySettings
{
    public int ReportSuspendThreshold { get; init; } = SuspensionPolicy.DefaultThreshold;
    public int ReportWindowDays { get; init; } = SuspensionPolicy.DefaultWindowDays;
    public int RepeatPartnerCooldownMinutes { get; init; } = 10;
    public int LevelWidenAfterSeconds { get; init; } = 60;
    /// <summary>ADMIN_EMAILS, lower-cased: accounts made moderators at start-up.</summary>
    public IReadOnlyList<string> AdminEmails { get; init; } = [];

    public static SafetySettings From(IConfiguration config)
    {
        string? Get(string name) => config[name] is { } v && !string.IsNullOrWhiteSpace(v) ? v : null;
        var defaults = new SafetySettings();

        var emails = (Get("ADMIN_EMAILS") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(e => e.ToLowerInvariant()).Distinct().ToArray();
        if (emails.FirstOrDefault(e => e.Count(c => c == '@') != 1 || e.StartsWith('@') || e.EndsWith('@')) is { } bad)
            throw new ConfigurationProblem("ADMIN_EMAILS", $"must be a comma-separated list of email addresses (got '{bad}').");

        return new SafetySettings
        {
            ReportSuspendThreshold = SpeakingSettings.Int(config, "REPORT_SUSPEND_THRESHOLD", defaults.ReportSuspendThreshold, min: 1),
            ReportWindowDays = SpeakingSettings.Int(config, "REPORT_WINDOW_DAYS", defaults.ReportWindowDays, min: 1, max: 3650),
            RepeatPartnerCooldownMinutes = SpeakingSettings.Int(config, "REPEAT_PARTNER_COOLDOWN_MINUTES", defaults.RepeatPartnerCooldownMinutes, min: 0),
            LevelWidenAfterSeconds = SpeakingSettings.Int(config, "LEVEL_WIDEN_AFTER_SECONDS", defaults.LevelWidenAfterSeconds, min: 0),
            AdminEmails = emails,
        };
    }
}
