using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Speaking.Application.Practice;

namespace Speaking.Infrastructure.Practice;

/// <summary>Runs a use case at start-up and then again every <see cref="Interval"/> after the previous run; a failed run is logged and the loop goes on.</summary>
public abstract class PeriodicUseCase<TRequest, TResponse>(IServiceScopeFactory scopes, TimeProvider time, ILogger logger) : BackgroundService
    where TRequest : IRequest<TResponse>, new()
{
    protected abstract TimeSpan Interval { get; }

    protected virtual void Report(TResponse response) { }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                Report(await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new TRequest(), stoppingToken));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "{UseCase} failed; it runs again as usual", typeof(TRequest).Name);
            }

            try
            {
                await Task.Delay(Interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}

/// <summary>
/// Drives the timed practice scripts of every node's sessions: once a second it claims the phase changes that are
/// due (SKIP LOCKED, so with several nodes each change is made once) and sends <c>practice_phase</c> to both users.
/// </summary>
public sealed class PracticeScriptDriver(IServiceScopeFactory scopes, TimeProvider time, ILogger<PracticeScriptDriver> logger)
    : PeriodicUseCase<AdvancePracticeScriptsCommand, int>(scopes, time, logger)
{
    protected override TimeSpan Interval => TimeSpan.FromSeconds(1);
}

/// <summary>Deletes chat older than CHAT_RETENTION_DAYS: at start-up, then every hour.</summary>
public sealed class ChatRetentionJob(IServiceScopeFactory scopes, TimeProvider time, ILogger<ChatRetentionJob> logger)
    : PeriodicUseCase<PurgeOldChatCommand, int>(scopes, time, logger)
{
    protected override TimeSpan Interval => TimeSpan.FromHours(1);

    protected override void Report(int deleted)
    {
        if (deleted > 0) logger.LogInformation("Chat retention: deleted {Count} messages", deleted);
    }
}
