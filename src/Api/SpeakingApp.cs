using Serilog;
using Speaking.Api.Endpoints;
using Speaking.Api.Hosting;
using Speaking.Api.Http;
using Speaking.Api.Quorra;
using Speaking.Application;
using Speaking.Infrastructure;
using Speaking.Infrastructure.Configuration;
using Speaking.Infrastructure.Observability;
using Speaking.Infrastructure.Persistence;

namespace Speaking.Api;

/// <summary>
/// The whole service, assembled: configuration, logging, database (the embedded one when DATABASE_URL is not set),
/// migrations, start-up recovery, middleware and endpoints. Program runs it; the tests start it on a free port.
/// </summary>
public sealed class SpeakingApp : IAsyncDisposable
{
    private readonly EmbeddedPostgres? _embedded;
    private readonly Serilog.Core.Logger _logger;

    private SpeakingApp(WebApplication web, EmbeddedPostgres? embedded, SpeakingSettings settings, Serilog.Core.Logger logger)
    {
        Web = web;
        _embedded = embedded;
        Settings = settings;
        _logger = logger;
    }

    public WebApplication Web { get; }

    public SpeakingSettings Settings { get; }

    /// <summary>
    /// Builds the service. <paramref name="overrides"/> win over every other source (tests use them); otherwise the
    /// process environment wins over an optional .env file, which wins over appsettings.json.
    /// Throws <see cref="ConfigurationProblem"/> for a bad setting.
    /// </summary>
    /// <param name="replaceServices">Tests only: swaps registered services (e.g. the clock) after the normal set-up.</param>
    public static async Task<SpeakingApp> CreateAsync(string[] args, IDictionary<string, string?>? overrides = null,
        Action<IServiceCollection>? replaceServices = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddSpeakingSources(args, overrides);

        var settings = SpeakingSettings.From(builder.Configuration);
        var providers = new Serilog.Extensions.Logging.LoggerProviderCollection();
        var logBuffer = new LogBuffer();
        var logger = Logging.CreateLogger(builder.Configuration, settings, providers, logBuffer);
        var log = new Serilog.Extensions.Logging.SerilogLoggerFactory(logger).CreateLogger("Speaking");

        EmbeddedPostgres? embedded = null;
        try
        {
            if (settings.DatabaseConnectionString is null)
                embedded = await EmbeddedPostgres.StartAsync(settings.DataDirectory, log);
            var connectionString = settings.DatabaseConnectionString ?? embedded!.ConnectionString;
            var signingKey = Infrastructure.DependencyInjection.ResolveSigningKey(settings, embedded?.HomeDirectory, log);

            builder.Logging.ClearProviders(); // the framework's console logger; Serilog writes the console (and to providers added later, such as tests')
            builder.Host.UseSerilog(logger, dispose: false, providers);
            builder.WebHost.ListenOn(settings.Listen);
            builder.WebHost.LimitConnections(settings, log);
            // The whole graceful stop (sockets in RealtimeDrain, then in-flight HTTP in Kestrel) ends within DRAIN_SECONDS.
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(settings.DrainSeconds));

            builder.Services
                .AddApplication()
                .AddInfrastructure(settings, connectionString, signingKey)
                .AddBearerAuthentication()
                .AddTurnCredentialsLimit(settings)
                .AddProxySupport(settings)
                .AddApiDocs(settings)
                .AddQuorraApi()
                .ConfigureHttpJsonOptions(o => WireFormat.Configure(o.SerializerOptions));
            var health = builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
            if (settings.Redis is not null) health.AddCheck<Infrastructure.Redis.RedisHealthCheck>("redis");
            replaceServices?.Invoke(builder.Services);

            var web = builder.Build();
            web.Services.GetRequiredService<SpeakingMetrics>().CountDroppedLogEvents(logBuffer);
            await web.Services.GetRequiredService<MigrationRunner>().ApplyAsync();
            await web.Services.GetRequiredService<Infrastructure.Safety.ModeratorAccounts>().ApplyAdminEmailsAsync();
            await web.Services.GetRequiredService<StartupRecovery>().RunAsync();

            web.UseForwardedHeaders();
            web.UseRequestLogging(logger);
            web.UseMiddleware<CorsPolicy>(settings.CorsOrigins);
            web.UseMiddleware<ErrorHandling>();
            web.UseStatusCodePages(StatusBodies.WriteAsync);
            web.UseQuorra();
            web.UseWebSockets();
            web.UseRouting();
            web.UseHttpMetrics(web.Services.GetRequiredService<SpeakingMetrics>());
            web.UseMiddleware<UnknownWebSocketPath>();
            web.UseMiddleware<JsonBodyReader>();
            web.UseAuthentication();
            web.UseAuthorization();
            web.UseRateLimiter(); // TURN credentials per address (the login and registration limits are AuthAttempts)

            web.MapService();
            web.MapOperations(settings);
            web.MapAuth();
            web.MapUsers();
            web.MapQueue();
            web.MapPartners();
            web.MapRealtime();
            web.MapPractice();
            web.MapWebrtc(settings.Turn);
            web.MapSafety();
            web.MapAdmin();
            web.MapQuorra();

            return new SpeakingApp(web, embedded, settings, logger);
        }
        catch
        {
            if (embedded is not null) await embedded.DisposeAsync();
            await logger.DisposeAsync();
            throw;
        }
    }

    public Task StartAsync(CancellationToken ct = default) => Web.StartAsync(ct);

    public Task RunAsync() => Web.RunAsync();

    /// <summary>The port Kestrel actually listens on (PORT=0 picks a free one).</summary>
    public int BoundPort => new Uri(Web.Urls.First().Replace("0.0.0.0", "127.0.0.1").Replace("[::]", "127.0.0.1")).Port;

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Web.StopAsync();
        }
        catch (ObjectDisposedException)
        {
        }

        await Web.DisposeAsync();
        if (_embedded is not null) await _embedded.DisposeAsync();
        // The log buffer is flushed, but a console that cannot keep up must not hold the exit past the stop budget:
        // what is still buffered after a few seconds is lost (the sink's worker is a background thread). Disposing
        // the asynchronous sink blocks until its queue is written, hence on a thread of its own.
        var flushed = Task.Run(async () => await _logger.DisposeAsync());
        await Task.WhenAny(flushed, Task.Delay(LogFlushLimit));
    }

    private static readonly TimeSpan LogFlushLimit = TimeSpan.FromSeconds(3);
}
