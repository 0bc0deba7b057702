using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Speaking.Infrastructure.Auth;

public sealed class PasswordHashingOptions
{
    /// <summary>PBKDF2 iterations for new hashes (the framework default is 100,000). Stored in each hash, so changing it never breaks logins.</summary>
    public int Iterations { get; set; } = 100_000;
}

/// <summary>ASP.NET Core Identity's PasswordHasher (PBKDF2-HMAC-SHA512, salted, versioned format).</summary>
public sealed class Pbkdf2PasswordHasher : Application.Auth.IPasswordHasher
{
    private static readonly object Nobody = new();
    private readonly PasswordHasher<object> _hasher;

    public Pbkdf2PasswordHasher(IOptions<PasswordHashingOptions> options)
    {
        _hasher = new PasswordHasher<object>(Options.Create(new PasswordHasherOptions
        {
            CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3,
            IterationCount = options.Value.Iterations,
        }));
        DummyHash = _hasher.HashPassword(Nobody, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
    }

    public string Hash(string password) => _hasher.HashPassword(Nobody, password);

    public bool Verify(string hash, string password)
    {
        try
        {
            return _hasher.VerifyHashedPassword(Nobody, hash, password) != PasswordVerificationResult.Failed;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public string DummyHash { get; }
}
