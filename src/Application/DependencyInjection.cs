using FluentValidation;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Speaking.Application.Auth;
using Speaking.Application.Common;
using Speaking.Application.Practice;
using Speaking.Domain.Partners;

namespace Speaking.Application;

public static class DependencyInjection
{
    /// <summary>
    /// MediatR 5 with our own registration (its DI package is not available here): every request handler and
    /// every FluentValidation validator in this assembly, found by scanning, plus the two pipeline behaviours.
    /// </summary>
    public static IServiceCollection AddApplication(this IServiceCollection services)
    {
        services.AddSingleton<ServiceFactory>(provider => provider.GetService!);
        services.AddSingleton<IMediator, Mediator>();
        services.AddTransient(typeof(IPipelineBehavior<,>), typeof(LoggingBehaviour<,>));
        services.AddTransient(typeof(IPipelineBehavior<,>), typeof(ValidationBehaviour<,>));

        foreach (var type in typeof(DependencyInjection).Assembly.GetTypes().Where(t => t is { IsAbstract: false, IsInterface: false }))
        {
            foreach (var contract in type.GetInterfaces().Where(i => i.IsGenericType))
            {
                var definition = contract.GetGenericTypeDefinition();
                if (definition == typeof(IRequestHandler<,>)) services.AddTransient(contract, type);
                else if (definition == typeof(IValidator<>)) services.AddSingleton(contract, type);
            }
        }

        services.AddSingleton<IClock, SystemClock>();
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<InvitationBook>();
        services.AddSingleton<PracticeAssignment>();
        services.AddSingleton<IEffectiveLevel, EffectiveLevel>();
        return services;
    }
}
