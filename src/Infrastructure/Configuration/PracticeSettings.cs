using Microsoft.Extensions.Configuration;
using Speaking.Application.Practice;
using Speaking.Domain.Practice;

namespace Speaking.Infrastructure.Configuration;

/// <summary>The IELTS practice settings (issue 18), read and checked with the others at start-up.</summary>
public sealed record PracticeSettings
{
    public int FeedbackMinSessionSeconds { get; init; } = FeedbackRules.DefaultMinSessionSeconds;
    public int ChatRetentionDays { get; init; } = 30;
    public LevelSource LevelSource { get; init; } = LevelSource.Self;
    public PracticeTimings Timings { get; init; } = PracticeTimings.Exam;

    public static PracticeSettings From(IConfiguration config)
    {
        var defaults = new PracticeSettings();
        var exam = PracticeTimings.Exam;
        var source = config["LEVEL_SOURCE"]?.Trim().ToLowerInvariant() switch
        {
            null or "" or "self" => LevelSource.Self,
            "measured" => LevelSource.Measured,
            _ => throw new ConfigurationProblem("LEVEL_SOURCE", $"must be 'self' or 'measured' (got '{config["LEVEL_SOURCE"]}')."),
        };

        return new PracticeSettings
        {
            FeedbackMinSessionSeconds = SpeakingSettings.Int(config, "FEEDBACK_MIN_SESSION_SECONDS", defaults.FeedbackMinSessionSeconds, min: 0),
            ChatRetentionDays = SpeakingSettings.Int(config, "CHAT_RETENTION_DAYS", defaults.ChatRetentionDays, min: 1),
            LevelSource = source,
            Timings = new PracticeTimings(
                SpeakingSettings.Int(config, "PRACTICE_PART1_SECONDS", exam.Part1Seconds, min: 1),
                SpeakingSettings.Int(config, "PRACTICE_PREPARE_SECONDS", exam.PrepareSeconds, min: 1),
                SpeakingSettings.Int(config, "PRACTICE_SPEAK_SECONDS", exam.SpeakSeconds, min: 1),
                SpeakingSettings.Int(config, "PRACTICE_PART3_SECONDS", exam.Part3Seconds, min: 1)),
        };
    }
}
