using CsCheck;
using Speaking.Domain.Safety;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Domain.Safety;

public class SuspensionRuleTests
{
    private static readonly SuspensionPolicy Default = SuspensionPolicy.Default;
    private static readonly DateTime T0 = Fakes.Now;
    private static readonly Guid A = Guid.NewGuid(), B = Guid.NewGuid(), C = Guid.NewGuid(), D = Guid.NewGuid();

    private static CountedReport At(Guid reporter, double days) => new(reporter, T0.AddDays(days));

    [Fact]
    public void ThreeReportersWithinSevenDays_SuspendForSevenDaysFromTheThirdReport()
    {
        SuspensionRule.SuspendedUntil([At(A, 0), At(B, 2), At(C, 6.5)], Default).ShouldBe(T0.AddDays(6.5 + 7));
    }

    [Fact]
    public void TwoReporters_DoNotSuspend_HoweverOftenTheyReport()
    {
        SuspensionRule.SuspendedUntil([At(A, 0), At(B, 1), At(A, 2), At(B, 3), At(A, 4)], Default).ShouldBeNull();
    }

    [Fact]
    public void NoReports_NoSuspension() => SuspensionRule.SuspendedUntil([], Default).ShouldBeNull();

    [Fact]
    public void ReportsSpreadWiderThanTheWindow_DoNotAddUp()
    {
        // A at 0 has left the window (0, 7] of C's report at exactly 7 days: the window is (t - 7 days, t].
        SuspensionRule.SuspendedUntil([At(A, 0), At(B, 3), At(C, 7)], Default).ShouldBeNull();
        SuspensionRule.SuspendedUntil([At(A, 0), At(B, 3), At(C, 6.999)], Default).ShouldBe(T0.AddDays(6.999 + 7));
    }

    [Fact]
    public void ReportsAtTheSameInstant_AllCount()
    {
        SuspensionRule.SuspendedUntil([At(C, 1), At(A, 1), At(B, 1)], Default).ShouldBe(T0.AddDays(8));
    }

    [Fact]
    public void ALaterReportThatStillFindsEnoughReporters_ExtendsTheSuspension()
    {
        SuspensionRule.SuspendedUntil([At(A, 0), At(B, 1), At(C, 2), At(D, 5)], Default).ShouldBe(T0.AddDays(12));
    }

    [Fact]
    public void TheOrderOfTheInput_DoesNotMatter()
    {
        SuspensionRule.SuspendedUntil([At(C, 2), At(A, 0), At(B, 1)], Default).ShouldBe(T0.AddDays(9));
    }

    [Fact]
    public void AThresholdOfOne_SuspendsOnTheFirstCountedReport()
    {
        SuspensionRule.SuspendedUntil([At(A, 0)], new SuspensionPolicy(1, TimeSpan.FromDays(2))).ShouldBe(T0.AddDays(2));
    }

    [Fact]
    public void RelevantSince_CoversEveryReportThatCanStillSuspend()
    {
        SuspensionRule.RelevantSince(T0, Default).ShouldBe(T0.AddDays(-14));
    }

    [Theory]
    [InlineData(0, 7)]
    [InlineData(3, 0)]
    public void APolicyNeedsAReporterAndAWindow(int threshold, int days) =>
        Should.Throw<ArgumentOutOfRangeException>(() => new SuspensionPolicy(threshold, TimeSpan.FromDays(days)));

    // --- properties over generated reports (fixed seeds: every run checks the same cases) ---

    private static readonly Guid[] Reporters = Enumerable.Range(0, 6).Select(_ => Guid.NewGuid()).ToArray();

    /// <summary>Up to 12 reports by 6 reporters at whole hours within 20 days (so equal times and window edges occur), a threshold of 1–4, a window of 1–8 days.</summary>
    private static readonly Gen<(CountedReport[] Reports, SuspensionPolicy Policy)> Cases =
        Gen.Select(
            Gen.Select(Gen.Int[0, Reporters.Length - 1], Gen.Int[0, 20 * 24], (reporter, hour) => new CountedReport(Reporters[reporter], T0.AddHours(hour)))
                .Array[0, 12],
            Gen.Int[1, 4],
            Gen.Int[1, 8],
            (reports, threshold, days) => (reports, new SuspensionPolicy(threshold, TimeSpan.FromDays(days))));

    private static void Check(Action<CountedReport[], SuspensionPolicy> property)
    {
        for (uint i = 0; i < 2000; i++)
        {
            var (reports, policy) = Cases.Generate(new PCG(i, 17), null!, out _);
            try
            {
                property(reports, policy);
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException(
                    $"case {i}: threshold {policy.Threshold}, window {policy.Window.TotalDays} d, reports [{string.Join(", ", reports.Select(r => $"{Array.IndexOf(Reporters, r.ReporterId)}@{(r.At - T0).TotalHours}h"))}]: {e.Message}");
            }
        }
    }

    /// <summary>The definition, checked the slow way: every report time, every report in the window before it.</summary>
    private static DateTime? ByDefinition(CountedReport[] reports, SuspensionPolicy policy) =>
        reports.Select(r => r.At)
            .Where(t => reports.Where(r => r.At > t - policy.Window && r.At <= t).Select(r => r.ReporterId).Distinct().Count() >= policy.Threshold)
            .Select(t => (DateTime?)(t + policy.Window))
            .DefaultIfEmpty(null)
            .Max();

    [Fact]
    public void Property_AgreesWithTheDefinition() =>
        Check((reports, policy) => SuspensionRule.SuspendedUntil(reports, policy).ShouldBe(ByDefinition(reports, policy)));

    [Fact]
    public void Property_AnotherReportNeverShortensOrEndsASuspension() =>
        Check((reports, policy) =>
        {
            if (reports.Length == 0) return;
            var fewer = SuspensionRule.SuspendedUntil(reports[..^1], policy);
            var all = SuspensionRule.SuspendedUntil(reports, policy);
            if (fewer is { } before) all.ShouldNotBeNull().ShouldBeGreaterThanOrEqualTo(before);
        });

    [Fact]
    public void Property_FewerDistinctReportersThanTheThreshold_NeverSuspend_AndRepeatsChangeNothing() =>
        Check((reports, policy) =>
        {
            if (reports.Select(r => r.ReporterId).Distinct().Count() < policy.Threshold)
                SuspensionRule.SuspendedUntil(reports, policy).ShouldBeNull();
            var repeated = reports.Concat(reports).ToArray();
            SuspensionRule.SuspendedUntil(repeated, policy).ShouldBe(SuspensionRule.SuspendedUntil(reports, policy));
        });
}
