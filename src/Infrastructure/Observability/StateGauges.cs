using Microsoft.Extensions.Hosting;
using Speaking.Application.Queue;
using Speaking.Application.Realtime;
using Speaking.Domain.Common;
using Speaking.Infrastructure.Realtime;

namespace Speaking.Infrastructure.Observability;

/// <summary>
/// The state gauges, read from their sources just before each scrape: open sockets of this node (the connection
/// registry), online users (presence, all nodes) and active queue tickets per mode (PostgreSQL). Each is read on its
/// own, so a database that does not answer leaves the socket gauge current (and counts a database error).
/// </summary>
public sealed class StateGauges(SpeakingMetrics metrics, ConnectionRegistry registry, IPresence presence, IQueueRepository queue) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        metrics.OnScrape(_ =>
        {
            metrics.OpenSockets.Set(registry.Count);
            return Task.CompletedTask;
        });
        metrics.OnScrape(async _ => metrics.OnlineUsers.Set((await presence.OnlineUsersAsync()).Count));
        metrics.OnScrape(async ct =>
        {
            foreach (var (mode, count) in await queue.CountActiveByModeAsync(ct)) metrics.QueueDepth.WithLabels(mode.ToWire()).Set(count);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
