using System.Text.Json.Serialization;

namespace Speaking.Application.Auth;

public interface IPasswordHasher
{
    string Hash(string password);

    bool Verify(string hash, string password);

    /// <summary>
    /// A hash of a secret nobody knows, made like every new hash (same algorithm and iteration count). An unknown email
    /// is verified against it with <see cref="Verify"/>, so it costs what a real verification costs (D-8).
    /// </summary>
    string DummyHash { get; }
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
