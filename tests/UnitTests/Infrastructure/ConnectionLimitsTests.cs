using Speaking.Infrastructure.Realtime;

namespace Speaking.UnitTests.Infrastructure;

/// <summary>Kestrel's caps behind MAX_CONNECTIONS, derived from it and the open-file limit.</summary>
public class ConnectionLimitsTests
{
    [Theory]
    [InlineData(18_000, 20_000, 18_180, 1_564)] // this machine's defaults: MAX_CONNECTIONS 20,000 - 2,000
    [InlineData(200, 20_000, 216, 19_528)]
    [InlineData(768, 1_024, 784, 64)]           // a small limit still leaves the HTTP side a floor
    public void KestrelCaps_PutUpgradesALittleAboveTheNodeCap_AndHttpInWhatIsLeft(int maxConnections, int openFiles, long upgraded, long http)
    {
        var caps = ConnectionLimits.KestrelCaps(maxConnections, openFiles);

        caps.Upgraded.ShouldBe(upgraded);
        caps.Http.ShouldBe(http);
        if (http > 64) (caps.Upgraded + caps.Http!.Value + ConnectionLimits.ReservedDescriptors).ShouldBe(openFiles);
    }

    [Fact]
    public void KestrelCaps_WithoutAKnownOpenFileLimit_LeaveHttpUncapped() =>
        ConnectionLimits.KestrelCaps(1_000, null).ShouldBe((1_016L, (long?)null));
}
