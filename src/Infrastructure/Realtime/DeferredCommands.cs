using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Speaking.Application.Common;

namespace Speaking.Infrastructure.Realtime;

/// <summary>
/// <see cref="IDeferredCommands"/> on the node's timer: each command runs once its delay has passed, in its own DI
/// scope. Commands still waiting when the node stops are dropped (the host's stopping token cancels them).
/// </summary>
public sealed class DeferredCommands(IServiceScopeFactory scopes, TimeProvider time, IHostApplicationLifetime lifetime, ILogger<DeferredCommands> logger)
    : IDeferredCommands
{
    public void Schedule(IRequest<Unit> command, TimeSpan delay) => _ = RunAsync(command, delay, lifetime.ApplicationStopping);

    private async Task RunAsync(IRequest<Unit> command, TimeSpan delay, CancellationToken stopping)
    {
        try
        {
            await Task.Delay(delay, time, stopping);
            await scopes.SendInScopeAsync(command, stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (Exception e) when (Outage.Is(e))
        {
            logger.LogWarning("{Command} was dropped: a dependency did not answer ({Reason})", command.GetType().Name, e.GetBaseException().Message);
        }
        catch (Exception e)
        {
            logger.LogError(e, "{Command} failed", command.GetType().Name);
        }
    }
}
