using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Npgsql;
using Speaking.Application.Auth;
using Speaking.Application.Partners;
using Speaking.Application.Queue;
using Speaking.Application.Common;
using Speaking.Application.Realtime;
using Speaking.Application.Sessions;
using Speaking.Application.Users;
using Speaking.Application.Webrtc;
using Speaking.Infrastructure.Auth;
using Speaking.Infrastructure.Configuration;
using Speaking.Infrastructure.Limits;
using Speaking.Infrastructure.Matchmaking;
using Speaking.Infrastructure.Persistence;
using Speaking.Infrastructure.Persistence.Repositories;
using Speaking.Infrastructure.Practice;
using Speaking.Infrastructure.Quorra;
using Speaking.Infrastructure.Realtime;
using Speaking.Infrastructure.Redis;
using Speaking.Infrastructure.Safety;

namespace Speaking.Infrastructure;

public static class DependencyInjection
{
    /// <summary>Repositories, the token service, the realtime side and the matchmaking loop, configured from <paramref name="settings"/>.</summary>
    public static IServiceCollection AddInfrastructure(this IServiceCollection services, SpeakingSettings settings, string connectionString,
        byte[] signingKey)
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<Observability.SpeakingMetrics>();
        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString).Build());
        services.AddSingleton<MigrationRunner>();
        services.AddSingleton<StartupRecovery>();
        services.AddSingleton<IUserRepository, UserRepository>();
        services.AddSingleton<IQueueRepository, QueueRepository>();
        services.AddSingleton<ISessionRepository, SessionRepository>();
        services.AddSingleton<IInvitationRepository, InvitationRepository>();
        services.AddSingleton<IPartnerRepository, PartnerRepository>();
        services.AddSingleton<UserDirectory>();
        services.AddSingleton<IUserDirectory>(sp => sp.GetRequiredService<UserDirectory>());
        services.AddHostedService<UserChangeListener>();
        services.AddSingleton<ILeaderLocks, PostgresLeaderLocks>();

        services.AddSingleton(new JwtSettings { Key = signingKey, Algorithm = settings.Algorithm, ExpireMinutes = settings.AccessTokenExpireMinutes });
        services.AddSingleton<JwtTokenService>();
        services.AddSingleton<ITokenIssuer>(sp => sp.GetRequiredService<JwtTokenService>());
        services.AddSingleton<IPasswordHasher, Pbkdf2PasswordHasher>();

        services.AddSingleton<NodeIdentity>();
        services.AddSingleton<ConnectionRegistry>();
        services.AddSingleton<ISessionBindings>(sp => sp.GetRequiredService<ConnectionRegistry>());
        services.AddSingleton<RealtimeNotifier>();
        if (settings.Redis is { } redis)
        {
            // Several nodes: presence and delivery through Redis; every other piece of shared state is in PostgreSQL.
            services.AddSingleton(sp => new Redis.RedisConnection(redis, sp.GetRequiredService<ILogger<Redis.RedisConnection>>()));
            services.AddSingleton<IPresence, Redis.RedisPresence>();
            services.AddSingleton<Redis.RedisClusterBus>();
            services.AddSingleton<IClusterBus>(sp => sp.GetRequiredService<Redis.RedisClusterBus>());
            services.AddHostedService(sp => sp.GetRequiredService<Redis.RedisClusterBus>());
            services.AddHostedService<Redis.RedisNodeHeartbeat>();
            services.Configure<Redis.HeartbeatOptions>(o => o.Interval = TimeSpan.FromSeconds(settings.NodeHeartbeatSeconds));
            services.AddSingleton<IAttemptLimiter, RedisAttemptLimiter>(); // login and registration limits, shared
            services.AddHostedService<RedisLimiterStartup>();
        }
        else
        {
            services.AddSingleton<IPresence, InMemoryPresence>();
            services.AddSingleton<IClusterBus, SingleNodeBus>();
            services.AddSingleton<IAttemptLimiter, InMemoryAttemptLimiter>();
        }

        services.AddSingleton<IRealtimeNotifier>(sp => sp.GetRequiredService<RealtimeNotifier>());
        services.AddSingleton(new ConnectionLimits
        {
            MaxConnections = settings.MaxConnections, MaxSocketsPerUser = settings.MaxSocketsPerUser, MaxSocketsPerAddress = settings.MaxSocketsPerAddress,
        });
        services.AddSingleton<ConnectionGate>();
        services.AddSingleton<DrainState>();
        services.AddSingleton<WebSocketLimits>();
        services.AddSingleton<MessageDispatcher>();
        services.AddSingleton<WebSocketEndpoint>();
        services.AddHostedService<RealtimeDrain>();
        services.AddHostedService<Observability.StateGauges>();
        services.AddHostedService<MatchmakingService>();
        services.AddHostedService<SessionSweeper>();
        services.Configure<DrainOptions>(o => o.Timeout = TimeSpan.FromSeconds(settings.DrainSeconds));
        services.Configure<SweeperOptions>(o => o.ReconcileInterval = TimeSpan.FromSeconds(settings.NodeHeartbeatSeconds));

        services.Configure<MatchmakingOptions>(o =>
        {
            o.RouletteIntervalSeconds = settings.RouletteIntervalSeconds;
            o.MatchRequiresConnection = settings.MatchRequiresConnection;
        });
        services.Configure<RealtimeOptions>(o =>
        {
            o.SessionReconnectGraceSeconds = settings.SessionReconnectGraceSeconds;
            o.CalleeResumeHeadStartMs = settings.ResumeCalleeHeadStartMs;
        });
        services.AddSingleton<IDeferredCommands, DeferredCommands>();
        services.Configure<LoginLimits>(o =>
        {
            o.MaxFailuresPerEmail = settings.LoginMaxFailuresPerEmail;
            o.MaxFailuresPerAddress = settings.LoginMaxFailuresPerAddress;
            o.WindowSeconds = settings.LoginFailureWindowSeconds;
        });
        services.Configure<RegistrationLimits>(o =>
        {
            o.MaxPerAddress = settings.RegisterMaxPerAddress;
            o.WindowSeconds = settings.RegisterWindowSeconds;
        });
        services.Configure<PartnerOptions>(o => o.PartnerRequestCooldownHours = settings.PartnerRequestCooldownHours);
        services.Configure<PasswordHashingOptions>(o => o.Iterations = settings.PasswordHashIterations);
        services.AddPractice(settings.Practice);
        services.Configure<TurnOptions>(o =>
        {
            o.Secret = settings.Turn.Secret;
            o.TurnUrls = settings.Turn.TurnUrls;
            o.StunUrls = settings.Turn.StunUrls;
            o.TtlSeconds = settings.Turn.TtlSeconds;
        });
        services.AddQuorra(settings.Quorra, signingKey);
        services.AddSafety(settings.Safety);
        return services;
    }

    /// <summary>
    /// The JWT signing key (D-7): SECRET_KEY, else JWT_SECRET, never a built-in constant. Without either, a random
    /// key is generated; with the embedded database it is kept beside the data so tokens survive a restart.
    /// </summary>
    public static byte[] ResolveSigningKey(SpeakingSettings settings, string? keepBesideDirectory, ILogger logger)
    {
        if (settings.SecretKey is { } configured) return Encoding.UTF8.GetBytes(configured);

        if (keepBesideDirectory is not null)
        {
            var path = Path.Combine(keepBesideDirectory, "secret_key");
            if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } kept) return Encoding.UTF8.GetBytes(kept);
            var generated = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
            File.WriteAllText(path, generated);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            logger.LogWarning("SECRET_KEY is not set: generated a signing key and stored it in {Path}", path);
            return Encoding.UTF8.GetBytes(generated);
        }

        logger.LogWarning("SECRET_KEY is not set: using a random key for this process; tokens will not survive a restart");
        return RandomNumberGenerator.GetBytes(32);
    }
}
