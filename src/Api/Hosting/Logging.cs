using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;
using Serilog.Formatting.Json;
using Speaking.Infrastructure.Configuration;

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
    public static Serilog.Core.Logger CreateLogger(IConfiguration configuration, SpeakingSettings settings, LoggerProviderCollection providers)
    {
        var config = new LoggerConfiguration().ReadFrom.Configuration(configuration).Enrich.FromLogContext().WriteTo.Providers(providers);
        if (settings.Debug) config.MinimumLevel.Override("Speaking", LogEventLevel.Debug);
        return config.WriteTo.Async(sink =>
            {
                if (settings.LogFormat == "json") sink.Console(new JsonFormatter(renderMessage: true));
                else sink.Console(outputTemplate: "{Timestamp:HH:mm:ss} {Level:u3} {SourceContext}: {Message:lj}{NewLine}{Exception}");
            }, bufferSize: 50_000, blockWhenFull: false)
            .CreateLogger();
    }

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
