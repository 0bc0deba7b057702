using System.Net.WebSockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Speaking.Infrastructure.Realtime;

/// <summary>
/// On a clean stop every socket is closed with 1001 (going away) as soon as the application starts stopping, and
/// the stop waits (up to 10 s) until each connection's clean-up has marked its user offline.
/// </summary>
public sealed class RealtimeShutdown(ConnectionRegistry registry, IHostApplicationLifetime lifetime, ILogger<RealtimeShutdown> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStopping.Register(() => _ = CloseAllAsync());
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await CloseAllAsync();
        // Clients answer the close frame; those that do not within 3 s are cut off. Either way each connection's
        // clean-up then marks its user offline, which the stop waits for (up to 10 s more).
        if (!await DrainedAsync(TimeSpan.FromSeconds(3)))
        {
            foreach (var connection in registry.All()) connection.Abort();
            if (!await DrainedAsync(TimeSpan.FromSeconds(10)))
                logger.LogWarning("{Count} connections were still closing at shutdown", registry.ConnectionCount);
        }
    }

    private async Task<bool> DrainedAsync(TimeSpan wait)
    {
        var deadline = DateTime.UtcNow + wait;
        while (registry.ConnectionCount > 0 && DateTime.UtcNow < deadline) await Task.Delay(50, CancellationToken.None);
        return registry.ConnectionCount == 0;
    }

    private Task CloseAllAsync() =>
        Task.WhenAll(registry.All().Select(c => c.CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "Server shutting down")));
}
