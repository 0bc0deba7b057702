using MediatR;
using Microsoft.Extensions.DependencyInjection;

namespace Speaking.Infrastructure;

public static class Scopes
{
    /// <summary>
    /// Runs one use case in a DI scope of its own, with the mediator of that scope: what a socket message, a
    /// matchmaking round or a timer firing does, so that scoped services are never shared between two of them.
    /// </summary>
    public static async Task<TResponse> SendInScopeAsync<TResponse>(this IServiceScopeFactory scopes, IRequest<TResponse> request,
        CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request, ct);
    }
}
