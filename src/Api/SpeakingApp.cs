using System.Net;
using System.Threading.RateLimiting;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Json;
using Speaking.Api.Endpoints;
using Speaking.Api.Http;
using Speaking.Api.Quorra;
using Speaking.Application;
using Speaking.Infrastructure;
using Speaking.Infrastructure.Configuration;
using Speaking.Infrastructure.Persistence;

namespace Speaking.Api;

/// <summary>
/// The whole service, assembled: configuration, logging, database (the embedded one when DATABASE_URL is not set),
/// migrations, start-up reset, middleware and endpoints. Program runs it; the tests start it on a free port.
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
        builder.Configuration
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddInMemoryCollection(DotEnvFile.Read(Path.Combine(Directory.GetCurrentDirectory(), ".env")))
            .AddEnvironmentVariables()
            .AddCommandLine(args)
            .AddInMemoryCollection(overrides ?? new Dictionary<string, string?>());

        var settings = SpeakingSettings.From(builder.Configuration);
        var logger = CreateLogger(builder.Configuration, settings);
        var log = new Serilog.Extensions.Logging.SerilogLoggerFactory(logger).CreateLogger("Speaking");

        EmbeddedPostgres? embedded = null;
        try
        {
            if (settings.DatabaseConnectionString is null)
                embedded = await EmbeddedPostgres.StartAsync(settings.DataDirectory, log);
            var connectionString = settings.DatabaseConnectionString ?? embedded!.ConnectionString;
            var signingKey = Infrastructure.DependencyInjection.ResolveSigningKey(settings, embedded?.HomeDirectory, log);

            builder.Logging.ClearProviders();
            builder.Logging.AddSerilog(logger);
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Any, settings.Port));
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));

            builder.Services
                .AddApplication()
                .AddInfrastructure(settings, connectionString, signingKey)
                .AddBearerAuthentication()
                .AddRegistrationLimit(settings)
                .AddQuorraApi()
                .ConfigureHttpJsonOptions(o => WireFormat.Configure(o.SerializerOptions));
            builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
            builder.Services.AddOpenApi();
            replaceServices?.Invoke(builder.Services);

            var web = builder.Build();
            await web.Services.GetRequiredService<MigrationRunner>().ApplyAsync();
            await web.Services.GetRequiredService<StartupReset>().RunAsync();

            web.UseMiddleware<RequestLogging>();
            web.UseMiddleware<CorsPolicy>(settings.CorsOrigins);
            web.UseMiddleware<ErrorHandling>();
            web.UseStatusCodePages(StatusBodies.WriteAsync);
            web.UseQuorra();
            web.UseWebSockets();
            web.UseRouting();
            web.UseMiddleware<UnknownWebSocketPath>();
            web.UseMiddleware<JsonBodyReader>();
            web.UseAuthentication();
            web.UseAuthorization();
            web.UseRateLimiter();

            web.MapService();
            web.MapOpenApi("/openapi.json");
            web.MapAuth();
            web.MapUsers();
            web.MapQueue();
            web.MapPartners();
            web.MapRealtime();
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
        await _logger.DisposeAsync();
    }

    private static Serilog.Core.Logger CreateLogger(IConfiguration configuration, SpeakingSettings settings)
    {
        var config = new LoggerConfiguration().ReadFrom.Configuration(configuration).Enrich.FromLogContext();
        if (settings.Debug) config.MinimumLevel.Override("Speaking", LogEventLevel.Debug);
        return (settings.LogFormat == "json"
                ? config.WriteTo.Console(new JsonFormatter(renderMessage: true))
                : config.WriteTo.Console(outputTemplate: "{Timestamp:HH:mm:ss} {Level:u3} {SourceContext}: {Message:lj}{NewLine}{Exception}"))
            .CreateLogger();
    }
}

internal static class RegistrationLimit
{
    /// <summary>D-8: registrations per client address, loose enough for test suites that create many users.</summary>
    public static IServiceCollection AddRegistrationLimit(this IServiceCollection services, SpeakingSettings settings) =>
        services.AddRateLimiter(options =>
        {
            options.AddPolicy(AuthEndpoints.RegisterPolicy, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = settings.RegisterMaxPerAddress,
                    Window = TimeSpan.FromSeconds(settings.RegisterWindowSeconds),
                    QueueLimit = 0,
                }));
            options.OnRejected = async (context, ct) =>
            {
                await ErrorResponses.WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, "Too many registration attempts");
            };
        });
}
