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
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (registry.ConnectionCount > 0 && DateTime.UtcNow < deadline) await Task.Delay(50, CancellationToken.None);
        if (registry.ConnectionCount > 0) logger.LogWarning("{Count} connections were still closing at shutdown", registry.ConnectionCount);
    }

    private Task CloseAllAsync() =>
        Task.WhenAll(registry.All().Select(c => c.CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "Server shutting down")));
}
