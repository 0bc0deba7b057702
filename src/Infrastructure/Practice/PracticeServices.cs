using Microsoft.Extensions.DependencyInjection;
using Speaking.Application.Practice;
using Speaking.Infrastructure.Configuration;
using Speaking.Infrastructure.Persistence.Repositories;

namespace Speaking.Infrastructure.Practice;

public static class PracticeServices
{
    /// <summary>The topic bank, the practice stores, the script driver and the chat-retention job.</summary>
    public static IServiceCollection AddPractice(this IServiceCollection services, PracticeSettings settings)
    {
        services.AddSingleton(_ => TopicBankLoader.LoadEmbedded());
        services.AddSingleton<PracticeRepository>();
        services.AddSingleton<IPracticeRepository>(sp => sp.GetRequiredService<PracticeRepository>());
        services.AddSingleton<ISessionHistory>(sp => sp.GetRequiredService<PracticeRepository>());
        services.AddSingleton<IFeedbackRepository, FeedbackRepository>();
        services.AddSingleton<IChatArchive, ChatArchive>();
        services.AddSingleton<IPracticeScriptRepository, PracticeScriptRepository>();
        services.AddHostedService<PracticeScriptDriver>();
        services.AddHostedService<ChatRetentionJob>();
        services.Configure<PracticeOptions>(o =>
        {
            o.FeedbackMinSessionSeconds = settings.FeedbackMinSessionSeconds;
            o.ChatRetentionDays = settings.ChatRetentionDays;
            o.LevelSource = settings.LevelSource;
            o.Timings = settings.Timings;
        });
        return services;
    }
}
