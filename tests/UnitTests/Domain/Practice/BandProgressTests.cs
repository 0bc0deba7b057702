using Speaking.Domain.Practice;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Domain.Practice;

public class BandProgressTests
{
    private static readonly DateTime Now = Fakes.Now; // a Thursday
    private static readonly Guid RaterA = Guid.NewGuid();
    private static readonly Guid RaterB = Guid.NewGuid();

    private static ReceivedRating Rating(Guid rater, double score, int daysAgo = 1) =>
        new(rater, new PeerScores(score, score, score, score), Now.AddDays(-daysAgo));

    [Fact]
    public void MeasuredBand_NeedsThreeRatings()
    {
        var progress = BandProgress.From([Rating(RaterA, 6.0), Rating(RaterB, 7.0)], Now);

        progress.Count.ShouldBe(2);
        progress.Raters.ShouldBe(2);
        progress.Averages!.FluencyCoherence.ShouldBe(6.5);
        progress.MeasuredBand.ShouldBeNull();
    }

    [Fact]
    public void MeasuredBand_NeedsTwoDifferentRaters()
    {
        var progress = BandProgress.From([Rating(RaterA, 6.0), Rating(RaterA, 6.5), Rating(RaterA, 7.0)], Now);

        progress.Count.ShouldBe(3);
        progress.Raters.ShouldBe(1);
        progress.MeasuredBand.ShouldBeNull();
    }

    [Fact]
    public void MeasuredBand_WithThreeRatingsFromTwoRaters_IsTheRoundedMeanOfTheCriterionAverages()
    {
        ReceivedRating[] ratings =
        [
            new(RaterA, new PeerScores(6.0, 6.0, 5.5, 6.5), Now.AddDays(-3)),
            new(RaterA, new PeerScores(6.5, 6.0, 6.0, 7.0), Now.AddDays(-2)),
            new(RaterB, new PeerScores(6.5, 6.5, 6.0, 6.5), Now.AddDays(-1)),
        ];

        var progress = BandProgress.From(ratings, Now);

        progress.Averages.ShouldBe(new CriterionAverages(19.0 / 3, 18.5 / 3, 17.5 / 3, 20.0 / 3));
        // Mean of the four averages = 75 / 12 = 6.25, which rounds up to 6.5.
        progress.MeasuredBand.ShouldBe(6.5);
    }

    [Fact]
    public void OnlyTheLastNinetyDaysCount()
    {
        var progress = BandProgress.From([Rating(RaterA, 9.0, daysAgo: 91), Rating(RaterA, 6.0), Rating(RaterB, 6.0), Rating(RaterB, 6.0, daysAgo: 89)],
            Now);

        progress.Count.ShouldBe(3);
        progress.MeasuredBand.ShouldBe(6.0);
    }

    [Fact]
    public void NoRatings_NoAveragesNoBandNoWeeks()
    {
        var progress = BandProgress.From([], Now);

        progress.ShouldBe(new BandProgress(0, 0, null, null, progress.Weeks));
        progress.Weeks.ShouldBeEmpty();
    }

    [Fact]
    public void Weeks_GroupByIsoWeekStartingMonday_OldestFirst()
    {
        // Now is Thursday 2026-02-05: 1 and 3 days ago are in the week of Monday 2 February, 8 days ago in the week before.
        var progress = BandProgress.From([Rating(RaterA, 7.0, 1), Rating(RaterB, 6.0, 8), Rating(RaterB, 6.5, 3)], Now);

        progress.Weeks.Select(w => (w.WeekStart, w.Count, w.Band)).ShouldBe([
            (new DateOnly(2026, 1, 26), 1, 6.0),
            (new DateOnly(2026, 2, 2), 2, 7.0), // 6.75 rounds up
        ]);
        BandProgress.IsoWeek(new DateOnly(2026, 2, 2)).ShouldBe("2026-W06");
        BandProgress.WeekStart(new DateTime(2026, 2, 8, 23, 59, 0, DateTimeKind.Utc)).ShouldBe(new DateOnly(2026, 2, 2));
        BandProgress.WeekStart(new DateTime(2026, 2, 9, 0, 0, 0, DateTimeKind.Utc)).ShouldBe(new DateOnly(2026, 2, 9));
    }
}
