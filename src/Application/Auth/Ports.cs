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

/// <summary>Login limits of D-8, from configuration (LOGIN_*): failures per account (email or Quorra name) and per client address.</summary>
public sealed class LoginLimits
{
    public int MaxFailuresPerEmail { get; set; } = 10;
    public int MaxFailuresPerAddress { get; set; } = 100;
    public int WindowSeconds { get; set; } = 300;
}

/// <summary>Registrations per client address (REGISTER_MAX_PER_ADDRESS per REGISTER_WINDOW_SECONDS), Speaking and Quorra together.</summary>
public sealed class RegistrationLimits
{
    public int MaxPerAddress { get; set; } = 1000;
    public int WindowSeconds { get; set; } = 600;
}
