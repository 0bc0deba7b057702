using System.Text;
using Microsoft.Extensions.Time.Testing;
using Speaking.Infrastructure.Auth;
using Speaking.Infrastructure.Quorra;

namespace Speaking.UnitTests.Quorra;

public class QuorraTokenServiceTests
{
    private static readonly byte[] ServiceKey = Encoding.UTF8.GetBytes("unit-test-secret-of-25-ch");

    [Fact]
    public async Task AnIssuedToken_ValidatesToItsUser_UntilSevenDaysHavePassed()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var tokens = new QuorraTokenService(ServiceKey, time);
        var user = Guid.NewGuid();
        var token = tokens.Issue(user);

        (await tokens.ValidateAsync(token)).ShouldBe(user);
        time.Advance(TimeSpan.FromDays(7) - TimeSpan.FromSeconds(1));
        (await tokens.ValidateAsync(token)).ShouldBe(user);
        time.Advance(TimeSpan.FromSeconds(1));
        (await tokens.ValidateAsync(token)).ShouldBeNull();
    }

    [Fact]
    public async Task ATokenOfAnotherServiceKey_OrTampered_OrGarbage_IsRefused()
    {
        var tokens = new QuorraTokenService(ServiceKey, TimeProvider.System);
        var other = new QuorraTokenService(Encoding.UTF8.GetBytes("another-key"), TimeProvider.System);
        var token = other.Issue(Guid.NewGuid());
        var parts = tokens.Issue(Guid.NewGuid()).Split('.');

        (await tokens.ValidateAsync(token)).ShouldBeNull();
        (await tokens.ValidateAsync(parts[0] + "." + parts[1] + "." + parts[2][..^2] + "AA")).ShouldBeNull();
        (await tokens.ValidateAsync("a.b.c")).ShouldBeNull();
        (await tokens.ValidateAsync("")).ShouldBeNull();
        (await tokens.ValidateAsync(new string('a', 10_000))).ShouldBeNull();
    }

    [Fact]
    public async Task SpeakingAndQuorraTokens_NeverValidateAsEachOther()
    {
        var speaking = new JwtTokenService(new JwtSettings { Key = ServiceKey }, TimeProvider.System);
        var quorra = new QuorraTokenService(ServiceKey, TimeProvider.System);
        var user = Guid.NewGuid();

        (await quorra.ValidateAsync(speaking.Issue(user))).ShouldBeNull();
        (await speaking.ValidateAsync(quorra.Issue(user))).ShouldBeNull();
        QuorraTokenService.DeriveKey(ServiceKey).ShouldNotBe(ServiceKey);
    }
}
