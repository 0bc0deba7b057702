using System.Globalization;

namespace Speaking.Domain.Practice;

/// <summary>One rating a user received.</summary>
public sealed record ReceivedRating(Guid RaterId, PeerScores Scores, DateTime At);

/// <summary>Mean score per criterion over some ratings; <see cref="Overall"/> is their mean rounded to a half band.</summary>
public sealed record CriterionAverages(double FluencyCoherence, double LexicalResource, double GrammaticalRangeAccuracy, double Pronunciation)
{
    public double Overall => HalfBand.Overall(FluencyCoherence, LexicalResource, GrammaticalRangeAccuracy, Pronunciation);

    public static CriterionAverages? Of(IReadOnlyCollection<PeerScores> scores) => scores.Count == 0
        ? null
        : new CriterionAverages(scores.Average(s => s.FluencyCoherence), scores.Average(s => s.LexicalResource),
            scores.Average(s => s.GrammaticalRangeAccuracy), scores.Average(s => s.Pronunciation));
}

/// <summary>The ratings of one ISO week (Monday to Sunday, UTC).</summary>
public sealed record WeeklyBand(DateOnly WeekStart, int Count, CriterionAverages Averages)
{
    public double Band => Averages.Overall;
}

/// <summary>
/// A user's band as their partners measured it: the feedback received in the last <see cref="WindowDays"/> days,
/// averaged per criterion, with a week-by-week trend. The overall (measured) band is shown only once there are at
/// least <see cref="MinRatings"/> ratings from at least <see cref="MinRaters"/> different raters, so one partner
/// alone can never set it.
/// </summary>
public sealed record BandProgress(int Count, int Raters, CriterionAverages? Averages, double? MeasuredBand, IReadOnlyList<WeeklyBand> Weeks)
{
    public const int WindowDays = 90;
    public const int MinRatings = 3;
    public const int MinRaters = 2;

    public static DateTime WindowStart(DateTime now) => now.AddDays(-WindowDays);

    public static BandProgress From(IEnumerable<ReceivedRating> ratings, DateTime now)
    {
        var since = WindowStart(now);
        var recent = ratings.Where(r => r.At >= since && r.At <= now).ToArray();
        var averages = CriterionAverages.Of(recent.Select(r => r.Scores).ToArray());
        var raters = recent.Select(r => r.RaterId).Distinct().Count();
        var weeks = recent
            .GroupBy(r => WeekStart(r.At))
            .OrderBy(g => g.Key)
            .Select(g => new WeeklyBand(g.Key, g.Count(), CriterionAverages.Of(g.Select(r => r.Scores).ToArray())!))
            .ToArray();
        return new BandProgress(recent.Length, raters, averages, Measured(recent.Length, raters, averages), weeks);
    }

    /// <summary>The measured band, or null while there are too few ratings or raters.</summary>
    public static double? Measured(int count, int raters, CriterionAverages? averages) =>
        count >= MinRatings && raters >= MinRaters && averages is not null ? averages.Overall : null;

    /// <summary>The Monday (UTC) of the ISO week holding <paramref name="at"/>.</summary>
    public static DateOnly WeekStart(DateTime at)
    {
        var day = DateOnly.FromDateTime(at.ToUniversalTime());
        var sinceMonday = ((int)day.DayOfWeek + 6) % 7;
        return day.AddDays(-sinceMonday);
    }

    public static string IsoWeek(DateOnly weekStart) =>
        $"{ISOWeek.GetYear(weekStart.ToDateTime(TimeOnly.MinValue))}-W{ISOWeek.GetWeekOfYear(weekStart.ToDateTime(TimeOnly.MinValue)):00}";
}
