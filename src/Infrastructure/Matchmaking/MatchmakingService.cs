using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Speaking.Application.Common;
using Speaking.Application.Queue;
using Speaking.Infrastructure.Observability;

namespace Speaking.Infrastructure.Matchmaking;

/// <summary>
/// The background matchmaking loop (contract 5.1): a round at start-up, then one every ROULETTE_INTERVAL_SECONDS
/// after the previous round ends. With several nodes exactly one of them runs rounds at a time: the holder of the
/// "matchmaking" leader lock; if it dies, another node takes the lock on its next tick (within one interval).
/// A failed round is logged and the loop goes on.
/// </summary>
public sealed class MatchmakingService(IServiceScopeFactory scopes, ILeaderLocks locks, IOptions<MatchmakingOptions> options, SpeakingMetrics metrics,
    TimeProvider time, ILogger<MatchmakingService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(Math.Max(1, options.Value.RouletteIntervalSeconds));
        await using var leader = locks.For("matchmaking");
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await leader.HoldAsync(stoppingToken))
                {
                    var started = Stopwatch.GetTimestamp();
                    var report = await scopes.SendInScopeAsync(new RunMatchRoundCommand(), stoppingToken);
                    metrics.RoundDuration.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
                    if (report.Committed > 0 || report.Proposed > 0)
                        logger.LogInformation("Matchmaking round: {Tickets} waiting, {Proposed} pairs proposed, {Committed} sessions started",
                            report.Tickets, report.Proposed, report.Committed);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (Outage.Is(e))
            {
                metrics.DatabaseErrors.WithLabels("matchmaking").Inc();
                // One line per round while a dependency is away, not a stack trace every interval.
                logger.LogWarning("Matchmaking round skipped: a dependency did not answer ({Reason})", e.GetBaseException().Message);
                await leader.ReleaseAsync();
            }
            catch (Exception e)
            {
                logger.LogError(e, "Matchmaking round failed; the next round runs as usual");
            }

            try
            {
                await Task.Delay(interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        await leader.ReleaseAsync();
    }
}
