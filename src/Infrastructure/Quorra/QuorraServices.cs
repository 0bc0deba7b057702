using Microsoft.Extensions.DependencyInjection;
using Speaking.Application.Quorra.Auth;
using Speaking.Application.Quorra.Commands;
using Speaking.Application.Quorra.Media;
using Speaking.Application.Quorra.Memory;
using Speaking.Application.Quorra.Notifications;
using Speaking.Application.Quorra.Offline;
using Speaking.Application.Quorra.Settings;
using Speaking.Application.Quorra.SystemControl;
using Speaking.Infrastructure.Configuration;

namespace Speaking.Infrastructure.Quorra;

public static class QuorraServices
{
    /// <summary>Quorra's repositories, token service, sockets and background loops, on the shared data source and clock.</summary>
    public static IServiceCollection AddQuorra(this IServiceCollection services, QuorraSettings settings, byte[] signingKey)
    {
        services.AddSingleton<IQuorraUserRepository, QuorraUserRepository>();
        services.AddSingleton<IMemoryRepository, MemoryRepository>();
        services.AddSingleton<IMediaRepository, MediaRepository>();
        services.AddSingleton<ICommandRepository, CommandRepository>();
        services.AddSingleton<INotificationRepository, NotificationRepository>();
        services.AddSingleton<ISettingsRepository, SettingsRepository>();
        services.AddSingleton<IOfflineQueueRepository, OfflineQueueRepository>();
        services.AddSingleton<ISystemAuditRepository, SystemAuditRepository>();
        services.AddSingleton<IQuorraTokens>(sp => new QuorraTokenService(signingKey, sp.GetRequiredService<TimeProvider>()));

        services.AddSingleton<QuorraSocketRegistry>();
        services.AddSingleton<QuorraSocketEndpoint>();
        services.AddHostedService<OfflineSyncService>();
        services.AddHostedService<ReminderPushService>();

        services.Configure<QuorraOptions>(o =>
        {
            o.SyncInterval = TimeSpan.FromMinutes(settings.SyncIntervalMinutes);
            o.ReminderPollInterval = TimeSpan.FromSeconds(settings.ReminderPollSeconds);
        });
        services.Configure<RootOptions>(o =>
        {
            o.Pin = settings.RootPin;
            o.MaxFailuresPerUser = settings.RootPinMaxFailuresPerUser;
            o.MaxFailuresPerAddress = settings.RootPinMaxFailuresPerAddress;
            o.FailureWindowSeconds = settings.RootPinFailureWindowSeconds;
        });
        return services;
    }
}
