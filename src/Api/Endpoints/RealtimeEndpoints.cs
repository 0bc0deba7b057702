using Speaking.Infrastructure.Realtime;

namespace Speaking.Api.Endpoints;

public static class RealtimeEndpoints
{
    /// <summary>The raw WebSocket endpoint lives in Infrastructure; it authenticates from <c>?token=</c> itself.</summary>
    public static void MapRealtime(this IEndpointRouteBuilder app) =>
        app.Map("/ws/match/{user_id}", (HttpContext http, string user_id, WebSocketEndpoint endpoint) => endpoint.HandleAsync(http, user_id))
            .AllowAnonymous();
}
