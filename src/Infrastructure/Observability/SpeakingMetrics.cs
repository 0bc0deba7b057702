using Prometheus;

namespace Speaking.Infrastructure.Observability;

/// <summary>
/// The service's own Prometheus metrics, in a registry that belongs to one running service (tests start several in
/// one process, and each must count only its own traffic). Gauges that describe current state are read from their
/// source just before each scrape (<see cref="OnScrape"/>); counters are moved where the event happens.
/// </summary>
public sealed class SpeakingMetrics
{
    public SpeakingMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        DotNetStats.Register(Registry);
        var factory = Metrics.WithCustomRegistry(Registry);
        Factory = factory;

        OpenSockets = factory.CreateGauge("speaking_open_sockets", "WebSocket connections open on this node.");
        OnlineUsers = factory.CreateGauge("speaking_online_users", "Users with at least one live connection (all nodes).");
        QueueDepth = factory.CreateGauge("speaking_queue_depth", "Active queue tickets per mode.", "mode");
        RoundDuration = factory.CreateHistogram("speaking_matchmaking_round_duration_seconds",
            "Duration of one matchmaking round, database included.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.001, 2, 14) });
        SessionsStarted = factory.CreateCounter("speaking_sessions_started_total", "Sessions started, by mode.", "mode");
        SessionsEnded = factory.CreateCounter("speaking_sessions_ended_total", "Sessions ended, by reason.", "reason");
        RelayedMessages = factory.CreateCounter("speaking_relayed_messages_total", "Signalling and chat messages relayed to a partner, by type.", "type");
        RefusedMessages = factory.CreateCounter("speaking_refused_messages_total", "Inbound socket messages refused, by reason.", "reason");
        RefusedConnections = factory.CreateCounter("speaking_refused_connections_total", "WebSocket handshakes refused, by reason.", "reason");
        SlowClientDisconnects = factory.CreateCounter("speaking_slow_client_disconnects_total",
            "Connections closed because the client stopped reading its messages.");
        DatabaseErrors = factory.CreateCounter("speaking_database_errors_total",
            "Operations that failed because the database (or Redis) did not answer, by where.", "source");

        LogEventsDropped = factory.CreateCounter("speaking_log_events_dropped_total",
            "Log events dropped because the console could not keep up (the asynchronous log buffer was full).");

        // Every known label value is exported from the start (at 0), so rates and alerts see a series before its first event.
        foreach (var mode in QueueModes)
        {
            QueueDepth.WithLabels(mode);
            SessionsStarted.WithLabels(mode);
        }

        foreach (var reason in EndReasons) SessionsEnded.WithLabels(reason);
        foreach (var type in RelayedTypes) RelayedMessages.WithLabels(type);
        foreach (var reason in MessageRefusals) RefusedMessages.WithLabels(reason);
        foreach (var reason in ConnectionRefusals) RefusedConnections.WithLabels(reason);
        foreach (var source in DatabaseErrorSources) DatabaseErrors.WithLabels(source);
    }

    public static readonly string[] QueueModes = ["roulette", "level_filter"];
    public static readonly string[] EndReasons = ["ended", "no_reconnect", "blocked", "resume_failed"];
    public static readonly string[] RelayedTypes = ["offer", "answer", "ice_candidate", "chat"];
    public static readonly string[] MessageRefusals = ["invalid", "not_in_session", "not_allowed", "invalid_chat", "rate_limited", "unavailable", "too_big", "binary"];
    public static readonly string[] ConnectionRefusals = ["not_websocket", "authentication", "draining", "node_full", "address_cap", "user_cap", "unavailable"];
    public static readonly string[] DatabaseErrorSources = ["http", "handshake", "socket", "disconnect", "matchmaking", "sweeper", "metrics"];

    public CollectorRegistry Registry { get; }

    public IMetricFactory Factory { get; }

    public Gauge OpenSockets { get; }
    public Gauge OnlineUsers { get; }
    public Gauge QueueDepth { get; }
    public Histogram RoundDuration { get; }
    public Counter SessionsStarted { get; }
    public Counter SessionsEnded { get; }
    public Counter RelayedMessages { get; }
    public Counter RefusedMessages { get; }
    public Counter RefusedConnections { get; }
    public Counter SlowClientDisconnects { get; }
    public Counter DatabaseErrors { get; }
    public Counter LogEventsDropped { get; }

    /// <summary>Runs <paramref name="update"/> before every scrape (for gauges read from their source); failures are counted, never thrown.</summary>
    public void OnScrape(Func<CancellationToken, Task> update) =>
        Registry.AddBeforeCollectCallback(async ct =>
        {
            try
            {
                await update(ct);
            }
            catch (Exception e) when (Outage.Is(e) || e is OperationCanceledException)
            {
                DatabaseErrors.WithLabels("metrics").Inc();
            }
        });
}
