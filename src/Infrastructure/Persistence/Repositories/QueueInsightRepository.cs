using Dapper;
using Npgsql;
using Speaking.Application.Safety;
using Speaking.Domain.Common;
using Speaking.Domain.Safety;

namespace Speaking.Infrastructure.Persistence.Repositories;

/// <summary>
/// The numbers of <c>GET /queue/stats</c>, in one round trip. A match's wait is its session's start minus the join time of
/// each of its two tickets (a round records the session on the tickets it closes); "the last hour" is by session start.
/// </summary>
internal sealed class QueueInsightRepository(NpgsqlDataSource db) : IQueueInsight
{
    public static readonly TimeSpan MatchWindow = TimeSpan.FromHours(1);

    /// <summary>Half-band bounds as <see cref="QueueInsight.HalfBandOf"/> draws them (it absorbs 1e-9 of noise on level × 2).</summary>
    private const double Noise = 0.5e-9;

    public async Task<QueueSnapshot> SnapshotAsync(Guid caller, double level, DateTime now, CancellationToken ct)
    {
        var band = QueueInsight.HalfBandOf(level);
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition("""
            SELECT mode, count(*)::int FROM queue_entries WHERE is_active GROUP BY mode;

            SELECT level_filter, count(*)::int FROM queue_entries
            WHERE is_active AND mode = 'level_filter' AND level_filter IS NOT NULL GROUP BY level_filter;

            SELECT q.mode, count(DISTINCT q.session_id)::int,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM s.started_at - q.joined_at))::double precision
            FROM queue_entries q JOIN sessions s ON s.id = q.session_id
            WHERE s.started_at >= @since AND s.started_at <= @now
            GROUP BY q.mode;

            SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM s.started_at - q.joined_at))::double precision
            FROM queue_entries q JOIN sessions s ON s.id = q.session_id
            WHERE s.started_at >= @since AND s.started_at <= @now
              AND q.mode = 'level_filter' AND q.level_filter >= @bandLow AND q.level_filter < @bandHigh;

            SELECT EXISTS (SELECT 1 FROM queue_entries
                           WHERE is_active AND mode = 'level_filter' AND user_id <> @caller AND abs(level_filter - @level) <= @distance);
            """, new
        {
            since = now - MatchWindow, now, caller, level, distance = IeltsBand.CompatibleDistance,
            bandLow = band - Noise, bandHigh = band + 0.5 - Noise,
        }, cancellationToken: ct));

        var waiting = new Dictionary<QueueMode, int> { [QueueMode.Roulette] = 0, [QueueMode.LevelFilter] = 0 };
        foreach (var (mode, count) in await results.ReadAsync<(string Mode, int Count)>())
        {
            if (QueueModeNames.TryParse(mode, out var parsed)) waiting[parsed] = count;
        }

        var byBand = (await results.ReadAsync<(double Level, int Count)>())
            .GroupBy(r => QueueInsight.HalfBandOf(r.Level), r => r.Count)
            .Select(g => (Band: g.Key, Waiting: g.Sum()))
            .OrderBy(b => b.Band)
            .ToArray();

        var matches = new Dictionary<QueueMode, (int Count, double? MedianSeconds)>
        {
            [QueueMode.Roulette] = (0, null), [QueueMode.LevelFilter] = (0, null),
        };
        foreach (var (mode, count, median) in await results.ReadAsync<(string Mode, int Count, double? Median)>())
        {
            if (QueueModeNames.TryParse(mode, out var parsed)) matches[parsed] = (count, median);
        }

        var bandMedian = await results.ReadSingleAsync<double?>();
        var partnerWaiting = await results.ReadSingleAsync<bool>();
        return new QueueSnapshot(waiting, byBand, matches, bandMedian, partnerWaiting);
    }
}
