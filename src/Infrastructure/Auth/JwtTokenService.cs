using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Speaking.Application.Auth;

namespace Speaking.Infrastructure.Auth;

public sealed class JwtSettings
{
    public required byte[] Key { get; init; }
    public string Algorithm { get; init; } = "HS256";
    public int ExpireMinutes { get; init; } = 1440;
}

/// <summary>
/// Tokens interchangeable with the original: JWS compact form, header {"alg","typ":"JWT"}, payload with exactly
/// <c>sub</c> and <c>exp</c>. The HMAC is computed over the raw UTF-8 key bytes, so keys shorter than the hash size
/// (the original's 25-character compose default) keep working; the Microsoft JWT handlers reject such keys, so
/// they get this signature check through <see cref="TokenValidationParameters.SignatureValidator"/>.
/// </summary>
public sealed class JwtTokenService(JwtSettings settings, TimeProvider time) : ITokenIssuer
{
    /// <summary>
    /// How far in the future a token's <c>nbf</c> may lie and still be accepted: clocks of the issuing and verifying
    /// machines differ by a few seconds. (<c>exp</c> keeps the original's zero leeway.)
    /// </summary>
    public static readonly TimeSpan NotBeforeSkew = TimeSpan.FromSeconds(30);

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    public string Issue(Guid userId)
    {
        var header = Base64UrlEncoder.Encode(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>
        {
            ["alg"] = settings.Algorithm, ["typ"] = "JWT",
        }));
        var exp = time.GetUtcNow().AddMinutes(settings.ExpireMinutes).ToUnixTimeSeconds();
        var payload = Base64UrlEncoder.Encode(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["sub"] = userId.ToString(), ["exp"] = exp,
        }));
        var signingInput = header + "." + payload;
        return signingInput + "." + Base64UrlEncoder.Encode(Sign(settings.Algorithm, Encoding.ASCII.GetBytes(signingInput)));
    }

    /// <summary>The parameters both the bearer middleware and the WebSocket handshake validate with.</summary>
    public TokenValidationParameters ValidationParameters => new()
    {
        ValidateIssuer = false,
        ValidateAudience = false, // a token that carries "aud" at all is refused in ValidateAsync/OnTokenValidated, as the original did
        ValidateIssuerSigningKey = false,
        ValidateLifetime = true,
        RequireExpirationTime = false,
        ClockSkew = TimeSpan.Zero,
        LifetimeValidator = (notBefore, expires, _, _) =>
        {
            var now = time.GetUtcNow().UtcDateTime;
            return (expires is null || expires.Value > now) && (notBefore is null || notBefore.Value <= now + NotBeforeSkew);
        },
        NameClaimType = "sub",
        SignatureValidator = (token, _) =>
        {
            if (!HasValidSignature(token)) throw new SecurityTokenInvalidSignatureException("The token's signature is not valid.");
            return new JsonWebToken(token);
        },
    };

    /// <summary>The user id of a valid token, or null. Used where there is no bearer header (WebSocket query string).</summary>
    public async Task<Guid?> ValidateAsync(string? token)
    {
        if (string.IsNullOrWhiteSpace(token)) return null;
        var result = await _handler.ValidateTokenAsync(token, ValidationParameters);
        return result.IsValid ? SubjectOf(result.SecurityToken as JsonWebToken) : null;
    }

    /// <summary>The token's user id if it has a UUID <c>sub</c> and no <c>aud</c>; otherwise null.</summary>
    public static Guid? SubjectOf(JsonWebToken? token)
    {
        if (token is null || token.TryGetPayloadValue<object>("aud", out _)) return null;
        return token.TryGetPayloadValue<string>("sub", out var sub) && Guid.TryParse(sub, out var id) ? id : null;
    }

    private bool HasValidSignature(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3 || parts[2].Length == 0) return false;
        try
        {
            using var header = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(parts[0]));
            if (header.RootElement.ValueKind != JsonValueKind.Object
                || !header.RootElement.TryGetProperty("alg", out var alg) || alg.ValueKind != JsonValueKind.String
                || !string.Equals(alg.GetString(), settings.Algorithm, StringComparison.Ordinal))
                return false; // "none" and every algorithm but the configured one are refused

            var expected = Sign(settings.Algorithm, Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]));
            return CryptographicOperations.FixedTimeEquals(expected, Base64UrlEncoder.DecodeBytes(parts[2]));
        }
        catch (Exception e) when (e is FormatException or JsonException or ArgumentException)
        {
            return false;
        }
    }

    private byte[] Sign(string algorithm, byte[] data) => algorithm switch
    {
        "HS256" => HMACSHA256.HashData(settings.Key, data),
        "HS384" => HMACSHA384.HashData(settings.Key, data),
        "HS512" => HMACSHA512.HashData(settings.Key, data),
        _ => throw new NotSupportedException($"Unsupported JWT algorithm {algorithm}."),
    };
}
