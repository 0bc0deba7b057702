using MediatR;
using Microsoft.Extensions.Options;
using Speaking.Application.Common;
using Speaking.Application.Users;
using Speaking.Domain.Common;
using Speaking.Domain.Practice;
using Speaking.Domain.Users;

namespace Speaking.Application.Practice;

/// <summary>Per-criterion means on the wire, to two decimals.</summary>
public sealed record CriteriaView(double FluencyCoherence, double LexicalResource, double GrammaticalRangeAccuracy, double Pronunciation)
{
    public static CriteriaView? Of(CriterionAverages? a) => a is null
        ? null
        : new CriteriaView(Two(a.FluencyCoherence), Two(a.LexicalResource), Two(a.GrammaticalRangeAccuracy), Two(a.Pronunciation));

    private static double Two(double value) => Math.Round(value, 2, MidpointRounding.AwayFromZero);
}

public sealed record WeeklyBandView(string WeekStart, string IsoWeek, int RatingsCount, CriteriaView Criteria, double Band);

/// <summary>
/// <c>GET /users/me/progress</c>. <see cref="MeasuredBand"/> is null until <see cref="MinRatings"/> ratings from
/// <see cref="MinRaters"/> different raters arrived within <see cref="WindowDays"/> days.
/// </summary>
public sealed record ProgressView(int WindowDays, int RatingsCount, int RatersCount, CriteriaView? Criteria, double? MeasuredBand,
    int MinRatings, int MinRaters, IReadOnlyList<WeeklyBandView> Weekly, double SelfReportedLevel, double TargetScore,
    double? LevelDifference, string LevelSource, double EffectiveLevel);

public sealed record GetProgressQuery(Guid UserId) : IRequest<Result<ProgressView>>;

public sealed class GetProgressQueryHandler(IUserRepository users, IFeedbackRepository feedback, IEffectiveLevel levels,
    IOptions<PracticeOptions> options, IClock clock)
    : IRequestHandler<GetProgressQuery, Result<ProgressView>>
{
    public async Task<Result<ProgressView>> Handle(GetProgressQuery request, CancellationToken cancellationToken)
    {
        var user = await users.GetAsync(request.UserId, cancellationToken);
        if (user is null) return UserErrors.Gone;

        var now = clock.UtcNow;
        var ratings = await feedback.ReceivedSinceAsync(user.Id, BandProgress.WindowStart(now), cancellationToken);
        var progress = BandProgress.From(ratings, now);
        var effective = await levels.OfAsync(user, cancellationToken);

        return new ProgressView(
            BandProgress.WindowDays, progress.Count, progress.Raters, CriteriaView.Of(progress.Averages), progress.MeasuredBand,
            BandProgress.MinRatings, BandProgress.MinRaters,
            progress.Weeks.Select(w => new WeeklyBandView(w.WeekStart.ToString("yyyy-MM-dd"), BandProgress.IsoWeek(w.WeekStart), w.Count,
                CriteriaView.Of(w.Averages)!, w.Band)).ToArray(),
            user.CurrentLevel, user.TargetScore,
            progress.MeasuredBand is { } band ? Math.Round(band - user.CurrentLevel, 2) : null,
            options.Value.LevelSource == LevelSource.Measured ? "measured" : "self", effective);
    }
}
