using Microsoft.Extensions.Configuration;
using Speaking.Application.Practice;
using Speaking.Domain.Practice;
using Speaking.Infrastructure.Configuration;

namespace Speaking.UnitTests.Infrastructure;

public class PracticeSettingsTests
{
    private static PracticeSettings From(params (string Key, string Value)[] values) =>
        SpeakingSettings.From(new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build()).Practice;

    [Fact]
    public void Defaults_AreTheIssuesAndTheExams()
    {
        var settings = From();

        settings.FeedbackMinSessionSeconds.ShouldBe(120);
        settings.ChatRetentionDays.ShouldBe(30);
        settings.LevelSource.ShouldBe(LevelSource.Self);
        settings.Timings.ShouldBe(new PracticeTimings(300, 60, 120, 300));
    }

    [Fact]
    public void EverySettingIsRead()
    {
        var settings = From(("FEEDBACK_MIN_SESSION_SECONDS", "0"), ("CHAT_RETENTION_DAYS", "7"), ("LEVEL_SOURCE", " Measured "),
            ("PRACTICE_PART1_SECONDS", "240"), ("PRACTICE_PREPARE_SECONDS", "45"), ("PRACTICE_SPEAK_SECONDS", "90"), ("PRACTICE_PART3_SECONDS", "270"));

        settings.ShouldBe(new PracticeSettings
        {
            FeedbackMinSessionSeconds = 0, ChatRetentionDays = 7, LevelSource = LevelSource.Measured, Timings = new PracticeTimings(240, 45, 90, 270),
        });
    }

    [Theory]
    [InlineData("LEVEL_SOURCE", "tutor", "must be 'self' or 'measured'")]
    [InlineData("CHAT_RETENTION_DAYS", "0", "must be at least 1")]
    [InlineData("FEEDBACK_MIN_SESSION_SECONDS", "-1", "must be at least 0")]
    [InlineData("PRACTICE_SPEAK_SECONDS", "0", "must be at least 1")]
    [InlineData("PRACTICE_PART1_SECONDS", "five", "must be a whole number")]
    public void ABadValue_StopsStartUpNamingTheVariable(string name, string value, string problem)
    {
        var error = Should.Throw<ConfigurationProblem>(() => From((name, value)));

        error.Variable.ShouldBe(name);
        error.Message.ShouldContain(problem);
    }
}
