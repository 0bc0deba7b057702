using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Speaking.Application.Quorra.Auth;

namespace Speaking.Infrastructure.Quorra;

/// <summary>
/// Quorra's tokens, with the original's claim <c>id</c> and lifetime (7 days), kept apart from Speaking's in two
/// ways: they carry <c>"aud":"quorra"</c> (Speaking refuses any token with an audience) and they are signed with a
/// key derived from the service's signing key (HMAC-SHA256 of a fixed label), so neither kind verifies as the other.
/// </summary>
public sealed class QuorraTokenService : IQuorraTokens
{
    public const string Audience = "quorra";
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(7);
    private static readonly byte[] KeyLabel = "speaking/quorra-token-key/v1"u8.ToArray();

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false, SetDefaultTimesOnTokenCreation = false };
    private readonly SymmetricSecurityKey _key;
    private readonly TimeProvider _time;

    public QuorraTokenService(byte[] serviceSigningKey, TimeProvider time)
    {
        _key = new SymmetricSecurityKey(DeriveKey(serviceSigningKey));
        _time = time;
    }

    public static byte[] DeriveKey(byte[] serviceSigningKey) => HMACSHA256.HashData(serviceSigningKey, KeyLabel);

    public string Issue(Guid userId)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object> { ["id"] = userId.ToString() },
            Audience = Audience,
            IssuedAt = now,
            Expires = now.Add(Lifetime),
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.HmacSha256),
        });
    }

    public async Task<Guid?> ValidateAsync(string token)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length > 8192) return null;
        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidateIssuer = false,
            ValidAudience = Audience,
            IssuerSigningKey = _key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = TimeSpan.Zero,
            LifetimeValidator = (_, expires, _, _) => expires is not null && expires.Value > _time.GetUtcNow().UtcDateTime,
        });
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt) return null;
        return jwt.TryGetPayloadValue<string>("id", out var id) && Guid.TryParse(id, out var userId) ? userId : null;
    }
}
