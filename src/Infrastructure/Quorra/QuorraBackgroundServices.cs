using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Speaking.Application.Quorra.Notifications;
using Speaking.Application.Quorra.Offline;

namespace Speaking.Infrastructure.Quorra;

public sealed class QuorraOptions
{
    public TimeSpan SyncInterval { get; set; } = TimeSpan.FromMinutes(15);
    public TimeSpan ReminderPollInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// A loop that runs one step every <c>interval</c> after the previous step ends (the first at start-up when
/// <see cref="RunsAtStart"/>, else after one interval); a failed step is logged and the loop goes on.
/// </summary>
public abstract class PeriodicQuorraService(IServiceScopeFactory scopes, TimeProvider time, ILogger logger) : BackgroundService
{
    protected abstract TimeSpan Interval { get; }

    protected virtual bool RunsAtStart => true;

    protected abstract Task RunOnceAsync(IMediator mediator, CancellationToken ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!RunsAtStart && !await WaitAsync(stoppingToken)) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await RunOnceAsync(scope.ServiceProvider.GetRequiredService<IMediator>(), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "{Service} failed; it runs again as usual", GetType().Name);
            }

            if (!await WaitAsync(stoppingToken)) return;
        }
    }

    private async Task<bool> WaitAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(Interval, time, stoppingToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}

/// <summary>Every SYNC_INTERVAL_MINUTES (first one interval after start): moves the offline queue into the command archive, exactly once across nodes.</summary>
public sealed class OfflineSyncService(IServiceScopeFactory scopes, IOptions<QuorraOptions> options, TimeProvider time, ILogger<OfflineSyncService> logger)
    : PeriodicQuorraService(scopes, time, logger)
{
    protected override TimeSpan Interval => options.Value.SyncInterval;

    protected override bool RunsAtStart => false;

    protected override async Task RunOnceAsync(IMediator mediator, CancellationToken ct)
    {
        var moved = await mediator.Send(new SyncOfflineQueueCommand(), ct);
        if (moved > 0) logger.LogInformation("Offline sync archived {Count} queued commands", moved);
    }
}

/// <summary>
/// Pushes due reminders to their owners' Quorra sockets on this node. Claiming marks them delivered in the database
/// first, so two nodes never push one twice; a push that finds no open socket gives the claim back.
/// </summary>
public sealed class ReminderPushService(IServiceScopeFactory scopes, QuorraSocketRegistry registry, IOptions<QuorraOptions> options, TimeProvider time,
    ILogger<ReminderPushService> logger) : PeriodicQuorraService(scopes, time, logger)
{
    protected override TimeSpan Interval => options.Value.ReminderPollInterval;

    protected override async Task RunOnceAsync(IMediator mediator, CancellationToken ct)
    {
        var connected = registry.ConnectedUsers();
        if (connected.Count == 0) return;
        foreach (var reminder in await mediator.Send(new ClaimDueRemindersCommand(connected), ct))
        {
            if (registry.Send(reminder.User, QuorraSocketMessages.Notification(reminder)) == 0)
                await mediator.Send(new ReleaseReminderCommand(reminder.Id), CancellationToken.None);
        }
    }
}
