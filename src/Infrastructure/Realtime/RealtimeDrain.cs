using System.Diagnostics;
using System.Net.WebSockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Speaking.Infrastructure.Realtime;

public sealed class DrainOptions
{
    /// <summary>DRAIN_SECONDS: how long the whole graceful stop may take (sockets, then in-flight HTTP).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Graceful stop (SIGTERM, amendment A-3). The moment the stop begins (<c>ApplicationStopping</c>), readiness turns
/// 503 and new sockets are refused, and every open socket is asked to close with 1001 (the frontend reconnects 3 s
/// later, to another node when there are several). Each connection's clean-up then marks its user offline and gives
/// its session the reconnect grace with the deadline stored, so a user who comes back in time keeps the call.
/// <para>
/// The wait happens in <see cref="StoppingAsync"/>, which the host runs before it stops any hosted service, Kestrel
/// included: while sockets close the server still answers (readiness 503, handshakes 503, other requests as usual).
/// Clients that have not answered the close frame by 70% of DRAIN_SECONDS are cut off. Then Kestrel stops listening
/// and lets in-flight requests (the sockets' clean-ups among them) finish until DRAIN_SECONDS is up
/// (<c>HostOptions.ShutdownTimeout</c>).
/// </para>
/// </summary>
public sealed class RealtimeDrain(ConnectionRegistry registry, DrainState state, IHostApplicationLifetime lifetime, Microsoft.Extensions.Options.IOptions<DrainOptions> options,
    ILogger<RealtimeDrain> logger) : IHostedLifecycleService
{
    private long _began;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStopping.Register(Begin);
        return Task.CompletedTask;
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        Begin();
        var budget = options.Value.Timeout;
        // Clients answer the close frame; those that do not within most of the budget are cut off. Either way each
        // connection's clean-up then runs (offline, queue, stored deadline); Kestrel's stop waits for it.
        if (await DrainedAsync(budget * 0.7)) return;
        var open = registry.All();
        logger.LogWarning("Drain: {Count} sockets did not answer the close frame; cutting them off", open.Count);
        foreach (var connection in open) connection.Abort();
        if (!await DrainedAsync(budget * 0.85))
            logger.LogWarning("Drain: {Count} connections were still closing at the end of the drain", registry.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Begin()
    {
        if (Interlocked.CompareExchange(ref _began, Stopwatch.GetTimestamp(), 0) != 0) return;
        state.Begin();
        var open = registry.All();
        logger.LogInformation("Draining: readiness is 503, new sockets are refused, {Count} open sockets are closed with 1001", open.Count);
        foreach (var connection in open) connection.RequestClose(WebSocketCloseStatus.EndpointUnavailable, "Server shutting down");
    }

    /// <summary>Waits until no socket is open or <paramref name="sinceBegin"/> has passed since the drain began.</summary>
    private async Task<bool> DrainedAsync(TimeSpan sinceBegin)
    {
        var began = Interlocked.Read(ref _began);
        while (registry.Count > 0 && Stopwatch.GetElapsedTime(began) < sinceBegin) await Task.Delay(50, CancellationToken.None);
        return registry.Count == 0;
    }
}
