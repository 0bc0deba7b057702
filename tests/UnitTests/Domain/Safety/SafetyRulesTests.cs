using Speaking.Domain.Common;
using Speaking.Domain.Safety;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Domain.Safety;

public class ReportContactTests
{
    [Theory]
    [InlineData(false, false, false, false)]
    [InlineData(true, false, false, true)]
    [InlineData(false, true, false, true)]
    [InlineData(false, false, true, true)]
    public void AReportCounts_OnlyWhenTheTargetHadContactWithTheReporter(bool session, bool invited, bool requested, bool counts) =>
        new ReportContact(session, invited, requested).Counts.ShouldBe(counts);
}

public class ReportReasonTests
{
    [Fact]
    public void EveryReason_RoundTrips_AndOnlyExactNamesParse()
    {
        foreach (var name in ReportReasonNames.All)
        {
            ReportReasonNames.TryParse(name, out var reason).ShouldBeTrue(name);
            reason.ToWire().ShouldBe(name);
        }

        Enum.GetValues<ReportReason>().Select(r => r.ToWire()).ShouldBe(ReportReasonNames.All);
        foreach (var bad in new[] { "Harassment", " spam", "noshow", "", null })
            ReportReasonNames.TryParse(bad, out _).ShouldBeFalse(bad);
    }
}

public class SafetyErrorsTests
{
    [Fact]
    public void Suspended_IsA403ThatSaysUntilWhenInUtc()
    {
        var error = SafetyErrors.Suspended(new DateTime(2026, 2, 12, 14, 3, 27, 518, DateTimeKind.Utc));

        error.Kind.ShouldBe(ErrorKind.Forbidden);
        error.Detail.ShouldBe("You are suspended from matching and invitations until 2026-02-12T14:03:27Z");
    }
}

public class QueueInsightTests
{
    [Theory]
    [InlineData(6.0, 6.0)]
    [InlineData(6.3, 6.0)]
    [InlineData(6.49, 6.0)]
    [InlineData(6.5, 6.5)]
    [InlineData(6.4999999999, 6.5)]
    [InlineData(1.0, 1.0)]
    [InlineData(9.0, 9.0)]
    public void HalfBandOf_RoundsDownToTheHalfBand(double level, double band) => QueueInsight.HalfBandOf(level).ShouldBe(band);

    [Fact]
    public void APartnerWaiting_MeansTheNextRound_WhateverTheHistory() =>
        QueueInsight.Estimate(true, 300, 400, 20).ShouldBe(new WaitEstimate(20, EstimateBasis.PartnerWaiting));

    [Fact]
    public void OtherwiseTheBandsMedian_RoundedUp() =>
        QueueInsight.Estimate(false, 41.2, 400, 20).ShouldBe(new WaitEstimate(42, EstimateBasis.BandMedian));

    [Fact]
    public void WithoutMatchesInTheBand_TheModesMedian() =>
        QueueInsight.Estimate(false, null, 37, 20).ShouldBe(new WaitEstimate(37, EstimateBasis.ModeMedian));

    [Fact]
    public void WithoutAnyEvidence_NoEstimate() =>
        QueueInsight.Estimate(false, null, null, 20).ShouldBe(new WaitEstimate(null, EstimateBasis.None));

    [Fact]
    public void BasisNames_AreSnakeCase() =>
        Enum.GetValues<EstimateBasis>().Select(b => b.ToWire()).ShouldBe(["partner_waiting", "band_median", "mode_median", "none"]);
}

public class UserSuspensionTests
{
    [Fact]
    public void AUserIsSuspendedStrictlyBeforeSuspendedUntil()
    {
        var until = Fakes.Now.AddDays(1);
        var user = Speaking.Domain.Users.User.Restore(Guid.NewGuid(), "a@example.com", "h", "a", 6, 7, false, Fakes.Now, Fakes.Now,
            suspendedUntil: until);

        user.IsSuspendedAt(Fakes.Now).ShouldBeTrue();
        user.IsSuspendedAt(until.AddTicks(-1)).ShouldBeTrue();
        user.IsSuspendedAt(until).ShouldBeFalse();
        Fakes.User().IsSuspendedAt(Fakes.Now).ShouldBeFalse();
    }
}
