using MediatR;
using Microsoft.Extensions.Options;
using Speaking.Application.Common;
using Speaking.Application.Practice;
using Speaking.Application.Queue;
using Speaking.Application.Users;
using Speaking.Domain.Common;
using Speaking.Domain.Safety;

namespace Speaking.Application.Safety;

public sealed record ModeCounts(int Roulette, int LevelFilter);

public sealed record ModeMedians(double? Roulette, double? LevelFilter);

public sealed record BandCount(double Band, int Waiting);

/// <summary>
/// The caller's estimate: at <see cref="Level"/> (their waiting level-filter ticket's level when <see cref="Queued"/>,
/// otherwise the level a level-filter join would use), in half band <see cref="Band"/>.
/// </summary>
public sealed record BandEstimate(double Level, double Band, bool Queued, int? EstimatedWaitSeconds, string Basis);

/// <summary><c>GET /queue/stats</c>. Waits are in seconds; medians are over the tickets of the last hour's matches (two per match).</summary>
public sealed record QueueStatsView(ModeCounts Waiting, IReadOnlyList<BandCount> WaitingByBand, ModeCounts MatchesLastHour,
    ModeMedians MedianWaitSeconds, BandEstimate YourBand);

/// <summary>
/// Queue insight for REST clients and operators: active tickets per mode and per half band (level-filter tickets by
/// their level, rounded down to 0.5), the last hour's matches per mode with the median wait of their tickets
/// (session start minus ticket join), and an estimated wait for the caller's band (<see cref="QueueInsight.Estimate"/>).
/// The contract's <c>estimated_wait_seconds</c> in QueueStatus is untouched.
/// </summary>
public sealed record GetQueueStatsQuery(Guid CallerId) : IRequest<Result<QueueStatsView>>;

public sealed class GetQueueStatsQueryHandler(IQueueRepository queue, IUserRepository users, IEffectiveLevel levels, IQueueInsight insight,
    IClock clock, IOptions<MatchmakingOptions> matchmaking) : IRequestHandler<GetQueueStatsQuery, Result<QueueStatsView>>
{
    public async Task<Result<QueueStatsView>> Handle(GetQueueStatsQuery request, CancellationToken cancellationToken)
    {
        var ticket = await queue.GetActiveAsync(request.CallerId, cancellationToken);
        var queued = ticket is { Mode: QueueMode.LevelFilter };
        double level;
        if (queued)
        {
            level = ticket!.Level.Value;
        }
        else
        {
            var user = await users.GetAsync(request.CallerId, cancellationToken);
            if (user is null) return Domain.Users.UserErrors.Gone;
            level = await levels.OfAsync(user, cancellationToken);
        }

        var snapshot = await insight.SnapshotAsync(request.CallerId, level, clock.UtcNow, cancellationToken);
        var estimate = QueueInsight.Estimate(snapshot.PartnerWaiting, snapshot.BandMedianSeconds,
            snapshot.Matches[QueueMode.LevelFilter].MedianSeconds, matchmaking.Value.RouletteIntervalSeconds);

        return new QueueStatsView(
            new ModeCounts(snapshot.Waiting[QueueMode.Roulette], snapshot.Waiting[QueueMode.LevelFilter]),
            snapshot.WaitingByBand.Select(b => new BandCount(b.Band, b.Waiting)).ToArray(),
            new ModeCounts(snapshot.Matches[QueueMode.Roulette].Count, snapshot.Matches[QueueMode.LevelFilter].Count),
            new ModeMedians(Tenths(snapshot.Matches[QueueMode.Roulette].MedianSeconds), Tenths(snapshot.Matches[QueueMode.LevelFilter].MedianSeconds)),
            new BandEstimate(level, QueueInsight.HalfBandOf(level), queued, estimate.Seconds, estimate.Basis.ToWire()));
    }

    private static double? Tenths(double? seconds) => seconds is { } s ? Math.Round(s, 1, MidpointRounding.AwayFromZero) : null;
}
