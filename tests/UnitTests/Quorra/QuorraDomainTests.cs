using Speaking.Domain.Quorra;

namespace Speaking.UnitTests.Quorra;

public class RootPinTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("0000")]
    public void AnUnsetPinOrTheOriginalsDefault_IsNotConfigured_AndMatchesNothing(string? configured)
    {
        var pin = RootPin.From(configured);

        pin.IsConfigured.ShouldBeFalse();
        pin.Matches("0000").ShouldBeFalse();
        pin.Matches("").ShouldBeFalse();
        pin.Matches(null).ShouldBeFalse();
    }

    [Theory]
    [InlineData("4321", "4321", true)]
    [InlineData("4321", "4322", false)]
    [InlineData("4321", "432", false)]
    [InlineData("4321", "43210", false)]
    [InlineData("4321", " 4321", false)]
    [InlineData("pïn-ü", "pïn-ü", true)]
    public void AConfiguredPin_MatchesOnlyItself(string configured, string candidate, bool matches)
    {
        var pin = RootPin.From(configured);

        pin.IsConfigured.ShouldBeTrue();
        pin.Matches(candidate).ShouldBe(matches);
        pin.Matches(null).ShouldBeFalse();
    }
}

public class MediaRulesTests
{
    [Theory]
    [InlineData("audio/mpeg", "audio")]
    [InlineData("Audio/OGG; codecs=opus", "audio")]
    [InlineData("video/mp4", "video")]
    [InlineData("image/png", null)]
    [InlineData("audio", null)]
    [InlineData("audio/", null)]
    [InlineData("/mpeg", null)]
    [InlineData("audio/mp4/x", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void KindOf_AcceptsOnlyAudioAndVideoTypes(string? contentType, string? kind) => MediaRules.KindOf(contentType).ShouldBe(kind);
}

public class SystemActionsTests
{
    [Theory]
    [InlineData("07:30", "07:30")]
    [InlineData("7:05", "07:05")]
    [InlineData(" 23:59 ", "23:59")]
    [InlineData("2030-01-02T08:30:00Z", "2030-01-02T08:30:00.000Z")]
    [InlineData("2030-01-02T08:30:00+02:00", "2030-01-02T06:30:00.000Z")]
    [InlineData("2030-01-02T08:30:00-0130", "2030-01-02T10:00:00.000Z")]
    [InlineData("24:00", null)]
    [InlineData("12:60", null)]
    [InlineData("2030-01-02T08:30:00", null)]
    [InlineData("tomorrow", null)]
    [InlineData("", null)]
    public void NormaliseAlarm_TakesATimeOfDayOrAZonedDateTime(string text, string? normalised) => SystemActions.NormaliseAlarm(text).ShouldBe(normalised);

    [Fact]
    public void EveryActionSaysItIsSimulated()
    {
        foreach (var action in new[] { SystemActions.Volume, SystemActions.Alarm, SystemActions.Wifi })
            SystemActions.MessageFor(action).ShouldEndWith("(simulyatsiya)");
    }
}
