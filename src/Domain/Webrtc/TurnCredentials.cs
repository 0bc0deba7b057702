using System.Security.Cryptography;
using System.Text;

namespace Speaking.Domain.Webrtc;

/// <summary>
/// Time-limited TURN credentials in coturn's REST-API scheme (<c>use-auth-secret</c>, after draft-uberti-behave-turn-rest):
/// the username is <c>&lt;unix expiry&gt;:&lt;id&gt;</c> and the credential is
/// <c>base64(HMAC-SHA1(static-auth-secret, username))</c>. coturn recomputes the credential from the username and its own
/// copy of the secret, and refuses a username whose expiry has passed, so nothing is stored anywhere.
/// </summary>
public sealed record TurnCredentials(string Username, string Credential, DateTimeOffset ExpiresAt)
{
    /// <summary>coturn's default <c>rest-api-separator</c>.</summary>
    public const char Separator = ':';

    /// <summary>The longest id this rule accepts (coturn keeps usernames of up to 512 bytes).</summary>
    public const int MaxIdLength = 128;

    /// <summary>
    /// Credentials for <paramref name="id"/> (a user id, or an anonymous id) that coturn accepts until
    /// <paramref name="now"/> + <paramref name="ttl"/>, to the second.
    /// </summary>
    public static TurnCredentials Create(string secret, string id, DateTimeOffset now, TimeSpan ttl)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        if (!IsValidId(id)) throw new ArgumentException("The id must be 1-128 ASCII letters, digits, '-', '_' or '.'.", nameof(id));
        if (ttl < TimeSpan.FromSeconds(1)) throw new ArgumentOutOfRangeException(nameof(ttl), ttl, "The lifetime must be at least a second.");

        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds() + (long)ttl.TotalSeconds);
        var username = $"{expiresAt.ToUnixTimeSeconds()}{Separator}{id}";
        return new TurnCredentials(username, Sign(secret, username), expiresAt);
    }

    /// <summary>base64(HMAC-SHA1(secret, username)): the password coturn expects for <paramref name="username"/>.</summary>
    public static string Sign(string secret, string username) =>
        Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(username)));

    /// <summary>
    /// Ids are ours (user ids, random anonymous ids), never a client's text: a separator would move coturn's idea of the
    /// expiry, and coturn refuses usernames with quotes, semicolons and the like.
    /// </summary>
    public static bool IsValidId(string id) =>
        id is { Length: > 0 and <= MaxIdLength } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
