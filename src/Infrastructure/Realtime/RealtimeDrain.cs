using System.Net.WebSockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Speaking.Infrastructure.Realtime;

public sealed class DrainOptions
{
    /// <summary>DRAIN_SECONDS: how long closing the sockets may take before the rest are cut off.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Graceful stop (SIGTERM, amendment A-3): readiness turns 503 and new sockets are refused at once; every open
/// socket is closed with 1001 (the frontend reconnects 3 s later, to another node when there are several); each
/// connection's clean-up then marks its user offline and gives its session the reconnect grace with the deadline
/// stored, so a user who comes back in time keeps the call. In-flight HTTP requests finish while Kestrel stops after this.
/// </summary>
public sealed class RealtimeDrain(ConnectionRegistry registry, DrainState state, IHostApplicationLifetime lifetime, Microsoft.Extensions.Options.IOptions<DrainOptions> options,
    ILogger<RealtimeDrain> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStopping.Register(Begin);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Begin();
        var budget = options.Value.Timeout;
        // Clients answer the close frame; those that do not within most of the budget are cut off. Either way each
        // connection's clean-up then runs (offline, queue, stored deadline), which the stop waits for.
        if (!await DrainedAsync(budget * 0.7))
        {
            foreach (var connection in registry.All()) connection.Abort();
            if (!await DrainedAsync(budget * 0.3))
                logger.LogWarning("{Count} connections were still closing at the end of the drain", registry.Count);
        }
    }

    private void Begin()
    {
        if (state.IsDraining) return;
        state.Begin();
        var open = registry.All();
        if (open.Count > 0) logger.LogInformation("Draining: closing {Count} sockets with 1001", open.Count);
        foreach (var connection in open) connection.RequestClose(WebSocketCloseStatus.EndpointUnavailable, "Server shutting down");
    }

    private async Task<bool> DrainedAsync(TimeSpan wait)
    {
        var deadline = DateTime.UtcNow + wait;
        while (registry.Count > 0 && DateTime.UtcNow < deadline) await Task.Delay(50, CancellationToken.None);
        return registry.Count == 0;
    }
}
