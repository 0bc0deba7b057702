using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Speaking.Application.Common;
using Speaking.Domain.Practice;
using Speaking.Domain.Users;

namespace Speaking.Application.Practice;

/// <summary>
/// The level the service uses where the contract falls back to <c>current_level</c>: a level-filter join without
/// <c>level_filter</c>, and <c>partner_level</c> in <c>matched</c>. With <c>LEVEL_SOURCE=self</c> (the default) that
/// is <c>current_level</c>; with <c>measured</c> it is the band partners measured, once there is one.
/// A <c>level_filter</c> the user sent is never replaced.
/// </summary>
public interface IEffectiveLevel
{
    Task<IReadOnlyDictionary<Guid, double>> OfAsync(IReadOnlyCollection<User> users, CancellationToken ct);
}

public static class EffectiveLevelExtensions
{
    public static async Task<double> OfAsync(this IEffectiveLevel levels, User user, CancellationToken ct) =>
        (await levels.OfAsync([user], ct))[user.Id];
}

public sealed class EffectiveLevel(IFeedbackRepository feedback, IOptions<PracticeOptions> options, IClock clock, ILogger<EffectiveLevel> logger)
    : IEffectiveLevel
{
    public async Task<IReadOnlyDictionary<Guid, double>> OfAsync(IReadOnlyCollection<User> users, CancellationToken ct)
    {
        var levels = users.DistinctBy(u => u.Id).ToDictionary(u => u.Id, u => u.CurrentLevel);
        if (options.Value.LevelSource != LevelSource.Measured || levels.Count == 0) return levels;

        try
        {
            var summaries = await feedback.SummariesSinceAsync(levels.Keys, BandProgress.WindowStart(clock.UtcNow), ct);
            foreach (var (userId, summary) in summaries)
            {
                if (BandProgress.Measured(summary.Count, summary.Raters, summary.Averages) is { } measured) levels[userId] = measured;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // A match or a join must not fail because the ratings could not be read: fall back to the users' own levels.
            logger.LogWarning(e, "Could not read measured bands; using current_level");
        }

        return levels;
    }
}
