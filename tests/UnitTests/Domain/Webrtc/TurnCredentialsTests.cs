using CsCheck;
using Speaking.Domain.Webrtc;

namespace Speaking.UnitTests.Domain.Webrtc;

/// <summary>
/// coturn's REST-API scheme, as its README.turnserver documents it for <c>use-auth-secret</c>:
/// temporary-username = "timestamp" + ":" + "username"; temporary-password = base64_encode(hmac-sha1(shared-secret,
/// temporary-username)), the timestamp being the expiry in seconds since 1970 (coturn refuses a username whose
/// timestamp has passed).
/// </summary>
public class TurnCredentialsTests
{
    private static readonly DateTimeOffset Now = new(2026, 2, 5, 14, 3, 27, TimeSpan.Zero); // 1770300207

    [Fact]
    public void Create_MatchesTheDocumentedScheme_OnAVectorComputedWithOpenssl()
    {
        // printf '%s' '1770303807:7c9e6679-7425-40de-944b-e07fc1f90ae7' | openssl dgst -sha1 -hmac 'north-wind' -binary | base64
        var credentials = TurnCredentials.Create("north-wind", "7c9e6679-7425-40de-944b-e07fc1f90ae7", Now, TimeSpan.FromHours(1));

        credentials.Username.ShouldBe("1770303807:7c9e6679-7425-40de-944b-e07fc1f90ae7");
        credentials.Credential.ShouldBe("Azy+fvzi3H33UPLP+Ra37Z6lFG0=");
        credentials.ExpiresAt.ShouldBe(Now.AddHours(1));
    }

    [Theory]
    // RFC 2202, HMAC-SHA1 test cases 1 and 2, as base64.
    [InlineData("\v\v\v\v\v\v\v\v\v\v\v\v\v\v\v\v\v\v\v\v", "Hi There", "b617318655057264e28bc0b6fb378c8ef146be00")]
    [InlineData("Jefe", "what do ya want for nothing?", "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")]
    public void Sign_IsBase64OfHmacSha1(string secret, string username, string hmacHex)
    {
        TurnCredentials.Sign(secret, username).ShouldBe(Convert.ToBase64String(Convert.FromHexString(hmacHex)));
    }

    [Fact]
    public void Create_ForAnyTimeLifetimeAndId_GivesTheExpiryCoturnReadsAndTheCredentialOfThatUsername()
    {
        var ids = Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-_."].Array[1, TurnCredentials.MaxIdLength].Select(c => new string(c));
        Gen.Select(Gen.Long[0, 4_000_000_000L], Gen.Int[1, 7 * 24 * 3600], ids, Gen.String[1, 64]).Sample((seconds, ttl, id, secret) =>
        {
            var now = DateTimeOffset.FromUnixTimeSeconds(seconds).AddMilliseconds(seconds % 1000);
            var credentials = TurnCredentials.Create(secret, id, now, TimeSpan.FromSeconds(ttl));

            // coturn: the digits before the first separator are the timestamp; the rest is the id.
            var separator = credentials.Username.IndexOf(TurnCredentials.Separator);
            long.Parse(credentials.Username[..separator]).ShouldBe(seconds + ttl);
            credentials.Username[(separator + 1)..].ShouldBe(id);
            credentials.ExpiresAt.ToUnixTimeSeconds().ShouldBe(seconds + ttl);
            credentials.Credential.ShouldBe(TurnCredentials.Sign(secret, credentials.Username));
            Convert.FromBase64String(credentials.Credential).Length.ShouldBe(20);
        });
    }

    [Fact]
    public void TheCredential_ChangesWithTheSecret_TheExpiryAndTheId()
    {
        var issued = TurnCredentials.Create("secret", "user-1", Now, TimeSpan.FromHours(1));

        TurnCredentials.Create("secret2", "user-1", Now, TimeSpan.FromHours(1)).Credential.ShouldNotBe(issued.Credential);
        TurnCredentials.Create("secret", "user-1", Now, TimeSpan.FromHours(2)).Credential.ShouldNotBe(issued.Credential);
        TurnCredentials.Create("secret", "user-2", Now, TimeSpan.FromHours(1)).Credential.ShouldNotBe(issued.Credential);
        TurnCredentials.Create("secret", "user-1", Now, TimeSpan.FromHours(1)).ShouldBe(issued);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a:b")] // a separator would move coturn's idea of the expiry
    [InlineData("with space")]
    [InlineData("quote'")]
    [InlineData("semi;colon")]
    [InlineData("ünïcode")]
    public void Create_RefusesIdsThatAreNotPlainTokens(string id)
    {
        TurnCredentials.IsValidId(id).ShouldBeFalse();
        Should.Throw<ArgumentException>(() => TurnCredentials.Create("secret", id, Now, TimeSpan.FromHours(1)));
    }

    [Fact]
    public void Create_RefusesAnEmptySecret_AnOverlongId_AndANonPositiveLifetime()
    {
        Should.Throw<ArgumentException>(() => TurnCredentials.Create("", "id", Now, TimeSpan.FromHours(1)));
        Should.Throw<ArgumentException>(() => TurnCredentials.Create("secret", new string('a', TurnCredentials.MaxIdLength + 1), Now, TimeSpan.FromHours(1)));
        Should.Throw<ArgumentOutOfRangeException>(() => TurnCredentials.Create("secret", "id", Now, TimeSpan.Zero));
        TurnCredentials.IsValidId(new string('a', TurnCredentials.MaxIdLength)).ShouldBeTrue();
    }
}
