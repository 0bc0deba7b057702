using System.Text.Json.Serialization;

namespace Speaking.Application.Auth;

public interface IPasswordHasher
{
    string Hash(string password);

    bool Verify(string hash, string password);

    /// <summary>Spends the same time as a real verification, for unknown emails (D-8).</summary>
    void VerifyDummy(string password);
}

public interface ITokenIssuer
{
    /// <summary>A JWT with exactly <c>sub</c> (lowercase user id) and <c>exp</c>.</summary>
    string Issue(Guid userId);
}

/// <summary>The wire's Token, keys in the original's order: access_token, token_type, user.</summary>
public sealed record AuthToken(string AccessToken, [property: JsonPropertyOrder(2)] Users.UserView User)
{
    [JsonPropertyOrder(1)]
    public string TokenType => "bearer";
}

/// <summary>Limits of D-8, from configuration.</summary>
public sealed class LoginLimits
{
    public int MaxFailuresPerEmail { get; set; } = 10;
    public int MaxFailuresPerAddress { get; set; } = 100;
    public int WindowSeconds { get; set; } = 300;
}
