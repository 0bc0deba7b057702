using System.Security.Cryptography;
using System.Text;
using MediatR;
using Microsoft.Extensions.Primitives;
using Speaking.Api.Docs;
using Speaking.Api.Http;
using Speaking.Application.Webrtc;
using Speaking.Domain.Common;
using Speaking.Domain.Webrtc;
using Speaking.Infrastructure.Configuration;

namespace Speaking.Api.Endpoints;

/// <summary>
/// ICE servers with short-lived TURN credentials in coturn's REST-API scheme (issue 13): for signed-in clients, and for
/// the frontend's <c>NEXT_PUBLIC_TURN_CREDENTIALS_URL</c>, which sends no token and no cookies.
/// </summary>
public static class WebrtcEndpoints
{
    public const string TurnCredentialsPolicy = "turn-credentials";
    public const string WrongKey = "Invalid TURN credentials key";

    public static void MapWebrtc(this IEndpointRouteBuilder app, TurnSettings turn)
    {
        var webrtc = app.MapGroup("/webrtc").WithTags("WebRTC");

        webrtc.MapGet("/ice-servers", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
            Answer(http, await mediator.Send(new GetIceServersQuery(http.User.UserId()), ct))).RequireAuthorization()
            .Describe("GetIceServers", "ICE servers with TURN credentials for you",
                $"STUN_URLS (no credentials) and TURN_URLS with a username \"<unix expiry>:<your user id>\" and its credential, valid for ttl seconds (TURN_TTL_SECONDS, {TurnOptions.DefaultTtlSeconds} by default). Pass iceServers to RTCPeerConnection as they are.")
            .Returns<IceServersView>()
            .Fails(StatusCodes.Status503ServiceUnavailable, TurnErrors.NotConfigured.Detail);

        webrtc.MapGet("/turn-credentials", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
        {
            if (!KeyMatches(http.Request.Query["key"], turn.CredentialsKey)) return ErrorResponses.Detail(StatusCodes.Status403Forbidden, WrongKey);
            return Answer(http, await mediator.Send(new GetIceServersQuery(null), ct));
        }).AllowAnonymous().RequireRateLimiting(TurnCredentialsPolicy)
            .Describe("GetTurnCredentials", "ICE servers with anonymous TURN credentials",
                $"For the frontend's NEXT_PUBLIC_TURN_CREDENTIALS_URL: a plain GET without token or cookies, answered {{\"iceServers\": [...]}}. The username is \"<unix expiry>:anon-<random>\", valid for min(TURN_TTL_SECONDS, {TurnOptions.AnonymousMaxTtlSeconds}) seconds. Guarded by TURN_CREDENTIALS_KEY (when set, ?key= must equal it), a per-address limit (TURN_CREDENTIALS_PER_MINUTE) and CORS_ORIGINS. 503 while TURN_SECRET is unset, so the frontend falls back to its own servers.")
            .QueryString("key", "TURN_CREDENTIALS_KEY, when the service sets one.")
            .Returns<IceServersView>()
            .Fails(StatusCodes.Status403Forbidden, WrongKey)
            .Fails(StatusCodes.Status429TooManyRequests, TurnCredentialsLimit.Rejected)
            .Fails(StatusCodes.Status503ServiceUnavailable, TurnErrors.NotConfigured.Detail);
    }

    /// <summary>Credentials are never stored by a cache between here and the browser.</summary>
    private static IResult Answer(HttpContext http, Result<IceServersView> result)
    {
        if (result.IsSuccess) http.Response.Headers.CacheControl = "no-store";
        return result.ToHttp();
    }

    /// <summary>
    /// No key configured: anyone. Otherwise exactly one <c>key</c> parameter equal to it, compared in constant time (over
    /// SHA-256 digests, so the length does not show either).
    /// </summary>
    private static bool KeyMatches(StringValues sent, string? expected)
    {
        if (expected is null) return true;
        if (sent.Count != 1 || sent[0] is not { } value) return false;
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(value)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
    }
}
