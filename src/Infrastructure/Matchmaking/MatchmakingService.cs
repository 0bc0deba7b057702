using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Speaking.Application.Queue;
using Speaking.Infrastructure.Persistence;

namespace Speaking.Infrastructure.Matchmaking;

/// <summary>
/// The background matchmaking loop (contract 5.1): a round at start-up, then one every
/// ROULETTE_INTERVAL_SECONDS after the previous round ends. A failed round is logged and the loop goes on.
/// </summary>
public sealed class MatchmakingService(IServiceScopeFactory scopes, IOptions<MatchmakingOptions> options, TimeProvider time,
    ILogger<MatchmakingService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(Math.Max(1, options.Value.RouletteIntervalSeconds));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var report = await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new RunMatchRoundCommand(), stoppingToken);
                if (report.Committed > 0 || report.Proposed > 0)
                    logger.LogInformation("Matchmaking round: {Tickets} waiting, {Proposed} pairs proposed, {Committed} sessions started",
                        report.Tickets, report.Proposed, report.Committed);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (DatabaseOutage.Is(e))
            {
                // One line per round while the database is away, not a stack trace every interval.
                logger.LogWarning("Matchmaking round skipped: the database did not answer ({Reason})", e.GetBaseException().Message);
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
                return;
            }
        }
    }
}
