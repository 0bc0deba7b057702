using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;
using Serilog.Formatting.Json;
using Serilog.Sinks.Async;
using Speaking.Infrastructure.Configuration;
using Speaking.Infrastructure.Observability;

namespace Speaking.Api.Hosting;

/// <summary>
/// Serilog for the whole host. Events go through an asynchronous sink, so a slow console or log shipper never blocks
/// a request; one line per request (method, path, status, time: never the query string, where the WebSocket token
/// travels, D-9); <c>LOG_FORMAT=json</c> writes one JSON object per line.
/// </summary>
public static class Logging
{
    /// <summary>
    /// The host's logger. Events also go to any <c>ILoggerProvider</c> registered in the container (<paramref name="providers"/>,
    /// filled by <c>UseSerilog</c>), which is how tests read the log.
    /// </summary>
    /// <param name="buffer">Told the asynchronous buffer's state, for <c>speaking_log_events_dropped_total</c>.</param>
    public static Serilog.Core.Logger CreateLogger(IConfiguration configuration, SpeakingSettings settings, LoggerProviderCollection providers,
        LogBuffer? buffer = null)
    {
        var config = new LoggerConfiguration().ReadFrom.Configuration(configuration).Enrich.FromLogContext().WriteTo.Providers(providers);
        if (settings.Debug) config.MinimumLevel.Override("Speaking", LogEventLevel.Debug);
        return config.WriteTo.Async(sink =>
            {
                if (settings.LogFormat == "json") sink.Console(new JsonFormatter(renderMessage: true));
                else sink.Console(outputTemplate: "{Timestamp:HH:mm:ss} {Level:u3} {SourceContext}: {Message:lj}{NewLine}{Exception}");
            }, bufferSize: 50_000, blockWhenFull: false, monitor: buffer)
            .CreateLogger();
    }

    /// <summary>Exports the events the buffer dropped (the console could not keep up) as <c>speaking_log_events_dropped_total</c>.</summary>
    public static void CountDroppedLogEvents(this SpeakingMetrics metrics, LogBuffer buffer) =>
        metrics.OnScrape(_ =>
        {
            metrics.LogEventsDropped.IncTo(buffer.Dropped);
            return Task.CompletedTask;
        });

    /// <summary>One line per request, from Serilog's request logging: path only (no query string), status and time.</summary>
    public static IApplicationBuilder UseRequestLogging(this IApplicationBuilder app, Serilog.ILogger logger) =>
        app.UseSerilogRequestLogging(options =>
        {
            options.Logger = logger;
            options.MessageTemplate = "HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0} ms";
            options.IncludeQueryInRequestPath = false;
            options.GetLevel = (context, _, exception) =>
                exception is not null || context.Response.StatusCode >= 500 ? LogEventLevel.Error : LogEventLevel.Information;
        });
}

/// <summary>
/// The asynchronous log sink's buffer, as its monitor sees it: how many events it dropped because the console (or
/// whatever reads the process's output) could not keep up. The count survives the sink's disposal.
/// </summary>
public sealed class LogBuffer : IAsyncLogEventSinkMonitor
{
    private IAsyncLogEventSinkInspector? _inspector;
    private long _droppedBeforeStop;

    public long Dropped => Volatile.Read(ref _inspector)?.DroppedMessagesCount ?? Interlocked.Read(ref _droppedBeforeStop);

    void IAsyncLogEventSinkMonitor.StartMonitoring(IAsyncLogEventSinkInspector inspector) => Volatile.Write(ref _inspector, inspector);

    void IAsyncLogEventSinkMonitor.StopMonitoring(IAsyncLogEventSinkInspector inspector)
    {
        Interlocked.Exchange(ref _droppedBeforeStop, inspector.DroppedMessagesCount);
        Volatile.Write(ref _inspector, null);
    }
}
