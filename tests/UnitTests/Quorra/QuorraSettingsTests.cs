using Microsoft.Extensions.Configuration;
using Speaking.Infrastructure.Configuration;

namespace Speaking.UnitTests.Quorra;

public class QuorraSettingsTests
{
    private static QuorraSettings Read(params (string Key, string Value)[] values) =>
        QuorraSettings.From(new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build());

    [Fact]
    public void Defaults_AreTheOriginals_AndNoRootPin()
    {
        var settings = Read();

        settings.RootPin.ShouldBeNull();
        settings.SyncIntervalMinutes.ShouldBe(15);
        settings.ReminderPollSeconds.ShouldBe(5);
        Read(("ROOT_PIN", "")).RootPin.ShouldBeNull();
        Read(("ROOT_PIN", "0000")).RootPin.ShouldBe("0000");
    }

    [Theory]
    [InlineData("0.5", 0.5)]
    [InlineData("60", 60)]
    public void SyncInterval_TakesFractionsOfMinutes(string text, double minutes) => Read(("SYNC_INTERVAL_MINUTES", text)).SyncIntervalMinutes.ShouldBe(minutes);

    [Theory]
    [InlineData("SYNC_INTERVAL_MINUTES", "often")]
    [InlineData("SYNC_INTERVAL_MINUTES", "0")]
    [InlineData("SYNC_INTERVAL_MINUTES", "-3")]
    [InlineData("SYNC_INTERVAL_MINUTES", "NaN")]
    [InlineData("QUORRA_REMINDER_POLL_SECONDS", "0")]
    [InlineData("QUORRA_ROOT_PIN_MAX_FAILURES_PER_USER", "x")]
    public void ABadValue_StopsStartUp_NamingTheVariable(string name, string value) =>
        Should.Throw<ConfigurationProblem>(() => Read((name, value))).Variable.ShouldBe(name);
}
