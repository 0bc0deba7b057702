using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;
using Speaking.Infrastructure.Auth;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Infrastructure;

public class JwtTokenServiceTests
{
    private const string ComposeDefaultSecret = "your-secret-key-change-me"; // 25 characters, shorter than HS256's 32 bytes
    private readonly ManualTimeProvider _time = new(DateTimeOffset.Parse("2026-02-05T14:00:00Z"));
    private readonly Guid _user = Guid.Parse("3F2A9C0D-1B4E-4A5B-8C7D-0123456789AB");

    private JwtTokenService Service(string secret = ComposeDefaultSecret, int minutes = 60) =>
        new(new JwtSettings { Key = Encoding.UTF8.GetBytes(secret), ExpireMinutes = minutes }, _time);

    private static string Encode(object value) => Base64UrlEncoder.Encode(JsonSerializer.SerializeToUtf8Bytes(value));

    private static string Signed(string header, string payload, string secret) =>
        header + "." + payload + "." + Base64UrlEncoder.Encode(
            HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes(header + "." + payload)));

    [Fact]
    public void ComposeDefaultSecret_Is25Characters() => ComposeDefaultSecret.Length.ShouldBe(25);

    [Fact]
    public async Task ValidateAsync_AcceptsAnIssuedTokenWithAShortKey()
    {
        var service = Service();

        (await service.ValidateAsync(service.Issue(_user))).ShouldBe(_user);
    }

    [Fact]
    public void Issue_WritesExactlySubAndExpWithAnHs256Header()
    {
        var parts = Service(minutes: 1440).Issue(_user).Split('.');

        parts.Length.ShouldBe(3);
        using var header = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(parts[0]));
        header.RootElement.GetProperty("alg").GetString().ShouldBe("HS256");
        header.RootElement.GetProperty("typ").GetString().ShouldBe("JWT");

        using var payload = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(parts[1]));
        payload.RootElement.EnumerateObject().Select(p => p.Name).ShouldBe(["sub", "exp"], ignoreOrder: true);
        payload.RootElement.GetProperty("sub").GetString().ShouldBe("3f2a9c0d-1b4e-4a5b-8c7d-0123456789ab");
        payload.RootElement.GetProperty("exp").GetInt64().ShouldBe(_time.GetUtcNow().AddMinutes(1440).ToUnixTimeSeconds());
    }

    [Fact]
    public async Task ValidateAsync_AcceptsATokenSignedElsewhereWithTheSameKey()
    {
        var token = Signed(Encode(new { alg = "HS256", typ = "JWT" }),
            Encode(new { sub = _user.ToString(), exp = _time.GetUtcNow().AddMinutes(5).ToUnixTimeSeconds() }), ComposeDefaultSecret);

        (await Service().ValidateAsync(token)).ShouldBe(_user);
    }

    [Fact]
    public async Task ValidateAsync_AcceptsATokenWithoutExp()
    {
        var token = Signed(Encode(new { alg = "HS256", typ = "JWT" }), Encode(new { sub = _user.ToString() }), ComposeDefaultSecret);

        (await Service().ValidateAsync(token)).ShouldBe(_user);
    }

    [Fact]
    public async Task ValidateAsync_RefusesAlgNone()
    {
        var token = Encode(new { alg = "none", typ = "JWT" }) + "."
            + Encode(new { sub = _user.ToString(), exp = _time.GetUtcNow().AddMinutes(5).ToUnixTimeSeconds() }) + ".";

        (await Service().ValidateAsync(token)).ShouldBeNull();
    }

    [Fact]
    public async Task ValidateAsync_RefusesAWrongSignature()
    {
        var other = Service("another-secret-entirely").Issue(_user);

        (await Service().ValidateAsync(other)).ShouldBeNull();
    }

    [Fact]
    public async Task ValidateAsync_RefusesATamperedPayload()
    {
        var parts = Service().Issue(_user).Split('.');
        var forged = parts[0] + "." + Encode(new { sub = Guid.NewGuid().ToString(), exp = 4102444800 }) + "." + parts[2];

        (await Service().ValidateAsync(forged)).ShouldBeNull();
    }

    [Fact]
    public async Task ValidateAsync_RefusesAnExpiredTokenWithZeroLeeway()
    {
        var service = Service(minutes: 10);
        var token = service.Issue(_user);

        _time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        (await service.ValidateAsync(token)).ShouldBe(_user);

        _time.Advance(TimeSpan.FromSeconds(2));
        (await service.ValidateAsync(token)).ShouldBeNull();
    }

    [Fact]
    public async Task ValidateAsync_RefusesATokenWithAnAudience()
    {
        var token = Signed(Encode(new { alg = "HS256", typ = "JWT" }),
            Encode(new { sub = _user.ToString(), exp = _time.GetUtcNow().AddMinutes(5).ToUnixTimeSeconds(), aud = "anything" }),
            ComposeDefaultSecret);

        (await Service().ValidateAsync(token)).ShouldBeNull();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not.a.jwt")]
    [InlineData("abc")]
    public async Task ValidateAsync_RefusesMalformedTokens(string? token) => (await Service().ValidateAsync(token)).ShouldBeNull();

    [Fact]
    public async Task ValidateAsync_RefusesASubjectThatIsNotAUuid()
    {
        var token = Signed(Encode(new { alg = "HS256", typ = "JWT" }), Encode(new { sub = "admin" }), ComposeDefaultSecret);

        (await Service().ValidateAsync(token)).ShouldBeNull();
    }

    private string WithNotBefore(object nbf, string secret = ComposeDefaultSecret) =>
        Signed(Encode(new { alg = "HS256", typ = "JWT" }),
            Encode(new { sub = _user.ToString(), exp = _time.GetUtcNow().AddHours(2).ToUnixTimeSeconds(), nbf }), secret);

    [Fact]
    public async Task ValidateAsync_RefusesATokenBeforeItsNotBefore_BeyondTheClockSkew()
    {
        var service = Service();
        var token = WithNotBefore(_time.GetUtcNow().Add(JwtTokenService.NotBeforeSkew).AddSeconds(30).ToUnixTimeSeconds());

        (await service.ValidateAsync(token)).ShouldBeNull();

        _time.Advance(TimeSpan.FromSeconds(30));
        (await service.ValidateAsync(token)).ShouldBe(_user);
    }

    [Fact]
    public async Task ValidateAsync_AcceptsATokenWhoseNotBeforeIsWithinTheClockSkewOrPast()
    {
        (await Service().ValidateAsync(WithNotBefore(_time.GetUtcNow().AddSeconds(5).ToUnixTimeSeconds()))).ShouldBe(_user);
        (await Service().ValidateAsync(WithNotBefore(_time.GetUtcNow().AddDays(-1).ToUnixTimeSeconds()))).ShouldBe(_user);
    }

    [Fact]
    public void NotBeforeSkew_IsSmall() => JwtTokenService.NotBeforeSkew.ShouldBeInRange(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2));

    [Theory]
    [InlineData("soon")]
    [InlineData(1e300)]
    [InlineData(true)]
    public async Task ValidateAsync_RefusesAMalformedOrFarFutureNotBefore(object nbf) =>
        (await Service().ValidateAsync(WithNotBefore(nbf))).ShouldBeNull();
}
