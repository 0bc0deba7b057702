using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Speaking.Application.Common;
using Speaking.Application.Realtime;
using Speaking.Application.Sessions;
using Speaking.Infrastructure.Observability;

namespace Speaking.Infrastructure.Realtime;

public sealed class SweeperOptions
{
    /// <summary>How often stored reconnect deadlines are checked.</summary>
    public TimeSpan DeadlineInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the database is reconciled with presence (NODE_HEARTBEAT_SECONDS).</summary>
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Applies the stored deadlines and keeps the database honest, on every node: reconnect deadlines that have passed
/// (each is applied exactly once, whichever node gets there first), and — on the node holding the "reconcile" leader
/// lock — the presence reconciliation and the pruning of expired invitations. A pass that fails (the database away)
/// is simply tried again on the next tick: nothing is lost, because nothing is kept only in memory.
/// </summary>
public sealed class SessionSweeper(IServiceScopeFactory scopes, ILeaderLocks locks, IInvitationRepository invitations, IClock clock,
    IOptions<SweeperOptions> options, SpeakingMetrics metrics, TimeProvider time, ILogger<SessionSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var leader = locks.For("reconcile");
        var nextReconcile = time.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await scopes.SendInScopeAsync(new ExpireReconnectDeadlinesCommand(), stoppingToken);
                if (time.GetUtcNow() >= nextReconcile)
                {
                    nextReconcile = time.GetUtcNow() + options.Value.ReconcileInterval;
                    if (await leader.HoldAsync(stoppingToken))
                    {
                        var report = await scopes.SendInScopeAsync(new ReconcilePresenceCommand(), stoppingToken);
                        if (report.SessionsDetached + report.UsersOffline + report.DeadlinesStarted > 0)
                            logger.LogInformation("Reconciled with presence: {Sessions} sessions lost their connection, {Users} users went offline, {Deadlines} deadlines started",
                                report.SessionsDetached, report.UsersOffline, report.DeadlinesStarted);
                        await invitations.PruneAsync(clock.UtcNow.AddMinutes(-10), stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (Outage.Is(e))
            {
                metrics.DatabaseErrors.WithLabels("sweeper").Inc();
                logger.LogDebug("Sweep skipped: {Reason}", e.Message);
                await leader.ReleaseAsync();
            }
            catch (Exception e)
            {
                logger.LogError(e, "Sweep failed; trying again");
            }

            try
            {
                await Task.Delay(options.Value.DeadlineInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        await leader.ReleaseAsync();
    }
}
