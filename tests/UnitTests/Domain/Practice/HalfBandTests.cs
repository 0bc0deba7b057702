using CsCheck;
using Speaking.Domain.Practice;

namespace Speaking.UnitTests.Domain.Practice;

public class HalfBandTests
{
    [Theory]
    [InlineData(6.125, 6.0)]
    [InlineData(6.25, 6.5)]
    [InlineData(6.375, 6.5)]
    [InlineData(6.5, 6.5)]
    [InlineData(6.625, 6.5)]
    [InlineData(6.75, 7.0)]
    [InlineData(6.875, 7.0)]
    [InlineData(6.0, 6.0)]
    [InlineData(6.24, 6.0)]
    [InlineData(6.74, 6.5)]
    [InlineData(6.2499999999999, 6.5)] // binary noise of a sum of averages still counts as .25
    [InlineData(1.0, 1.0)]
    [InlineData(8.875, 9.0)]
    [InlineData(9.0, 9.0)]
    public void Round_FollowsTheIeltsTable(double mean, double band) => HalfBand.Round(mean).ShouldBe(band);

    [Theory]
    [InlineData(6.0, 6.0, 6.0, 6.5, 6.0)]  // mean 6.125
    [InlineData(6.0, 6.0, 6.5, 6.5, 6.5)]  // mean 6.25
    [InlineData(6.5, 6.5, 7.0, 7.0, 7.0)]  // mean 6.75
    [InlineData(5.0, 6.0, 7.0, 8.0, 6.5)]  // mean 6.5
    [InlineData(9.0, 9.0, 9.0, 8.5, 9.0)]  // mean 8.875
    public void Overall_IsTheMeanOfTheFourCriteriaRoundedToAHalfBand(double fc, double lr, double gra, double p, double overall)
    {
        HalfBand.Overall(fc, lr, gra, p).ShouldBe(overall);
        new PeerScores(fc, lr, gra, p).Overall.ShouldBe(overall);
    }

    [Fact]
    public void Round_AlwaysGivesAHalfBandWithinAQuarterOfTheMean() =>
        Gen.Double[1.0, 9.0].Sample(mean =>
        {
            var band = HalfBand.Round(mean);
            HalfBand.IsValidScore(band).ShouldBeTrue();
            Math.Abs(band - mean).ShouldBeLessThanOrEqualTo(0.25 + 1e-9);
        });

    [Theory]
    [InlineData(1.0, true)]
    [InlineData(1.5, true)]
    [InlineData(6.5, true)]
    [InlineData(9.0, true)]
    [InlineData(0.5, false)]
    [InlineData(0.0, false)]
    [InlineData(9.5, false)]
    [InlineData(6.3, false)]
    [InlineData(6.25, false)]
    [InlineData(double.NaN, false)]
    public void IsValidScore_AcceptsWholeAndHalfBandsFromOneToNine(double score, bool valid) =>
        HalfBand.IsValidScore(score).ShouldBe(valid);

    [Fact]
    public void PeerScores_AreValidOnlyWhenEveryCriterionIs()
    {
        new PeerScores(6, 6.5, 7, 7.5).AreValid.ShouldBeTrue();
        new PeerScores(6, 6.5, 7, 7.25).AreValid.ShouldBeFalse();
        new PeerScores(0.5, 6.5, 7, 7).AreValid.ShouldBeFalse();
    }
}
