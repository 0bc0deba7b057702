using FluentValidation;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Speaking.Application.Auth;
using Speaking.Application.Common;
using Speaking.Application.Practice;
using Speaking.Application.Sessions;

namespace Speaking.Application;

public static class DependencyInjection
{
    /// <summary>
    /// MediatR 5 with our own registration (its DI package is not available here): every request handler in this
    /// assembly, found by scanning, plus the two pipeline behaviours; FluentValidation's own assembly scan for the
    /// validators. The mediator and its service factory are scoped: every HTTP request, socket message, matchmaking
    /// round and timer firing runs in a scope of its own and resolves the mediator from it, so scoped services are
    /// never shared between two of them. Singletons hold an <see cref="IServiceScopeFactory"/>, never a mediator.
    /// </summary>
    public static IServiceCollection AddApplication(this IServiceCollection services)
    {
        services.AddScoped<ServiceFactory>(provider => provider.GetService!);
        services.AddScoped<IMediator, Mediator>();
        services.AddTransient(typeof(IPipelineBehavior<,>), typeof(LoggingBehaviour<,>));
        services.AddTransient(typeof(IPipelineBehavior<,>), typeof(ValidationBehaviour<,>));
        services.AddValidatorsFromAssembly(typeof(DependencyInjection).Assembly, ServiceLifetime.Singleton, includeInternalTypes: true);

        foreach (var type in typeof(DependencyInjection).Assembly.GetTypes().Where(t => t is { IsAbstract: false, IsInterface: false }))
        {
            foreach (var contract in type.GetInterfaces().Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IRequestHandler<,>)))
                services.AddTransient(contract, type);
        }

        services.AddSingleton<IClock, SystemClock>();
        services.AddSingleton<AuthAttempts>();
        services.AddScoped<SessionAnnouncer>();
        services.AddScoped<SessionResumption>();
        services.AddScoped<ReconnectDeadlines>();
        services.AddSingleton<PracticeAssignment>();
        services.AddSingleton<IEffectiveLevel, EffectiveLevel>();
        return services;
    }
}
