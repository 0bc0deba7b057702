using System.Security.Cryptography;
using System.Text.Json.Serialization;
using MediatR;
using Microsoft.Extensions.Options;
using Speaking.Application.Common;
using Speaking.Domain.Common;
using Speaking.Domain.Webrtc;

namespace Speaking.Application.Webrtc;

/// <summary>TURN_SECRET, TURN_URLS, STUN_URLS and TURN_TTL_SECONDS.</summary>
public sealed class TurnOptions
{
    /// <summary>coturn's <c>static-auth-secret</c>; null: TURN is not configured.</summary>
    public string? Secret { get; set; }
    public IReadOnlyList<string> TurnUrls { get; set; } = [];
    public IReadOnlyList<string> StunUrls { get; set; } = [];
    public int TtlSeconds { get; set; } = DefaultTtlSeconds;

    public const int DefaultTtlSeconds = 3600;

    /// <summary>
    /// The longest life of anonymous credentials (<c>/webrtc/turn-credentials</c>). coturn checks the expiry when an
    /// allocation is created, and an allocation it accepted keeps being refreshed after the expiry, so a call never
    /// drops because its credentials expire; only a new allocation (an ICE restart) needs them valid. Half an hour
    /// covers a whole session with its practice script, and keeps what a scraped answer is worth short.
    /// </summary>
    public const int AnonymousMaxTtlSeconds = 1800;
}

/// <summary>
/// An RTCIceServer as the browser takes it (<c>new RTCPeerConnection({iceServers})</c>): <c>urls</c> always an array,
/// <c>username</c> and <c>credential</c> only on TURN entries. The names are WebRTC's, not snake_case.
/// </summary>
public sealed record IceServer(
    [property: JsonPropertyName("urls")] IReadOnlyList<string> Urls,
    [property: JsonPropertyName("username"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Username = null,
    [property: JsonPropertyName("credential"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Credential = null);

/// <summary>
/// <c>{"iceServers": [...]}</c>, the object form the frontend accepts (contract 1.4); credentials for a user also carry
/// <c>ttl</c>, the seconds they stay valid.
/// </summary>
public sealed record IceServersView(
    [property: JsonPropertyName("iceServers")] IReadOnlyList<IceServer> IceServers,
    [property: JsonPropertyName("ttl"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Ttl = null);

/// <summary>
/// The ICE servers with fresh TURN credentials: tied to <see cref="UserId"/> for a signed-in caller (TURN_TTL_SECONDS),
/// or, with no user, to a random anonymous id for at most <see cref="TurnOptions.AnonymousMaxTtlSeconds"/>.
/// </summary>
public sealed record GetIceServersQuery(Guid? UserId) : IRequest<Result<IceServersView>>;

public sealed class GetIceServersQueryHandler(IOptions<TurnOptions> options, IClock clock) : IRequestHandler<GetIceServersQuery, Result<IceServersView>>
{
    public Task<Result<IceServersView>> Handle(GetIceServersQuery request, CancellationToken cancellationToken)
    {
        var turn = options.Value;
        if (turn.Secret is null) return Task.FromResult<Result<IceServersView>>(TurnErrors.NotConfigured);

        var (id, ttl) = request.UserId is { } userId
            ? (userId.ToString(), turn.TtlSeconds)
            : (AnonymousId(), Math.Min(turn.TtlSeconds, TurnOptions.AnonymousMaxTtlSeconds));
        var credentials = TurnCredentials.Create(turn.Secret, id, new DateTimeOffset(clock.UtcNow, TimeSpan.Zero), TimeSpan.FromSeconds(ttl));

        var servers = new List<IceServer>(2);
        if (turn.StunUrls.Count > 0) servers.Add(new IceServer(turn.StunUrls));
        servers.Add(new IceServer(turn.TurnUrls, credentials.Username, credentials.Credential));
        return Task.FromResult<Result<IceServersView>>(new IceServersView(servers, request.UserId is null ? null : ttl));
    }

    /// <summary>128 random bits: nobody can tell two anonymous callers apart by it, nor take it for a user id.</summary>
    private static string AnonymousId() => "anon-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
