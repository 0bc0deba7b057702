using Microsoft.Extensions.DependencyInjection;
using Speaking.Application.Queue;
using Speaking.Application.Safety;
using Speaking.Infrastructure.Configuration;
using Speaking.Infrastructure.Persistence.Repositories;

namespace Speaking.Infrastructure.Safety;

public static class SafetyServices
{
    /// <summary>Blocks, reports and suspensions, the matcher's safety reads, queue insight, moderators, and the matchmaking settings of issue 17.</summary>
    public static IServiceCollection AddSafety(this IServiceCollection services, SafetySettings settings)
    {
        services.AddSingleton<IBlockRepository, BlockRepository>();
        services.AddSingleton<IReportRepository, ReportRepository>();
        services.AddSingleton<IMatchRestrictions, MatchRestrictionRepository>();
        services.AddSingleton<IQueueInsight, QueueInsightRepository>();
        services.AddSingleton(settings);
        services.AddSingleton<ModeratorAccounts>();
        services.Configure<SafetyOptions>(o =>
        {
            o.ReportSuspendThreshold = settings.ReportSuspendThreshold;
            o.ReportWindowDays = settings.ReportWindowDays;
        });
        services.Configure<MatchmakingOptions>(o =>
        {
            o.RepeatPartnerCooldownMinutes = settings.RepeatPartnerCooldownMinutes;
            o.LevelWidenAfterSeconds = settings.LevelWidenAfterSeconds;
        });
        return services;
    }
}
