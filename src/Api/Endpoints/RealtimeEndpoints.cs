using Speaking.Api.Docs;
using Speaking.Api.Hosting;
using Speaking.Infrastructure.Realtime;

namespace Speaking.Api.Endpoints;

public static class RealtimeEndpoints
{
    /// <summary>The raw WebSocket endpoint lives in Infrastructure; it authenticates from <c>?token=</c> itself.</summary>
    public static void MapRealtime(this IEndpointRouteBuilder app) =>
        app.Map("/ws/match/{user_id}", (HttpContext http, string user_id, WebSocketEndpoint endpoint) => endpoint.HandleAsync(http, user_id))
            .AllowAnonymous()
            .WithTags("Realtime")
            .Describe("ConnectMatchSocket", "Open the matchmaking WebSocket",
                "Matchmaking, WebRTC signalling, chat and partner invitations. The token travels in the query string (browsers cannot set headers on a WebSocket) and is never logged.")
            .PathUuid("user_id", "The token's user id, lowercase hyphenated, exactly as in the token's sub.")
            .QueryString("token", "The access_token from /auth/register or /auth/login.", required: true)
            .WebSocket(ApiDocs.WebSocketProtocol);
}
