using Microsoft.Extensions.Configuration;
using Speaking.Infrastructure.Configuration;

namespace Speaking.UnitTests.Infrastructure;

public class TurnSettingsTests
{
    /// <summary>The settings from these values; a later value of the same name wins.</summary>
    private static TurnSettings From(params (string Key, string Value)[] values) =>
        SpeakingSettings.From(new ConfigurationBuilder()
            .AddInMemoryCollection(values.GroupBy(v => v.Key).Select(g => new KeyValuePair<string, string?>(g.Key, g.Last().Value)))
            .Build()).Turn;

    [Fact]
    public void Defaults_LeaveTurnUnconfigured()
    {
        var settings = From();

        settings.Secret.ShouldBeNull();
        settings.TurnUrls.ShouldBeEmpty();
        settings.StunUrls.ShouldBeEmpty();
        settings.TtlSeconds.ShouldBe(3600);
        settings.CredentialsKey.ShouldBeNull();
        settings.CredentialsPerMinute.ShouldBe(60);
    }

    [Fact]
    public void EverySettingIsRead_AndTheListsAreTrimmed()
    {
        var settings = From(("TURN_SECRET", "s3cret"), ("TURN_URLS", " turn:turn.example.com:3478?transport=udp, turns:turn.example.com:5349 ,,TURN:[2001:db8::1]:3478?transport=TCP"),
            ("STUN_URLS", "stun:turn.example.com:3478,stuns:stun.example.net"), ("TURN_TTL_SECONDS", "60"), ("TURN_CREDENTIALS_KEY", "k3y"),
            ("TURN_CREDENTIALS_PER_MINUTE", "5"));

        settings.Secret.ShouldBe("s3cret");
        settings.TurnUrls.ShouldBe(["turn:turn.example.com:3478?transport=udp", "turns:turn.example.com:5349", "TURN:[2001:db8::1]:3478?transport=TCP"]);
        settings.StunUrls.ShouldBe(["stun:turn.example.com:3478", "stuns:stun.example.net"]);
        settings.TtlSeconds.ShouldBe(60);
        settings.CredentialsKey.ShouldBe("k3y");
        settings.CredentialsPerMinute.ShouldBe(5);
    }

    [Theory]
    [InlineData("TURN_URLS", "https://turn.example.com", "is not turn:host")]
    [InlineData("TURN_URLS", "turn://turn.example.com:3478", "is not turn:host")]
    [InlineData("TURN_URLS", "stun:turn.example.com:3478", "is not turn:host")]
    [InlineData("TURN_URLS", "turn:turn.example.com:70000", "is not turn:host")]
    [InlineData("TURN_URLS", "turn:turn.example.com:3478?transport=sctp", "is not turn:host")]
    [InlineData("TURN_URLS", "turn:user@turn.example.com", "is not turn:host")]
    [InlineData("TURN_URLS", "turn:", "is not turn:host")]
    [InlineData("STUN_URLS", "turn:turn.example.com:3478", "is not stun:host")]
    [InlineData("STUN_URLS", "stun:stun.example.com:3478?transport=udp", "is not stun:host")]
    [InlineData("TURN_TTL_SECONDS", "59", "must be between 60 and 604800")]
    [InlineData("TURN_TTL_SECONDS", "hour", "must be a whole number")]
    [InlineData("TURN_CREDENTIALS_PER_MINUTE", "0", "must be at least 1")]
    public void ABadValue_StopsStartUpNamingTheVariable(string name, string value, string problem)
    {
        var error = Should.Throw<ConfigurationProblem>(() => From(("TURN_SECRET", "s3cret"), ("TURN_URLS", "turn:turn.example.com"), (name, value)));

        error.Variable.ShouldBe(name);
        error.Message.ShouldContain(problem);
    }

    [Fact]
    public void ASecretWithoutTurnUrls_StopsStartUp()
    {
        var error = Should.Throw<ConfigurationProblem>(() => From(("TURN_SECRET", "s3cret")));

        error.Variable.ShouldBe("TURN_URLS");
        error.Message.ShouldContain("when TURN_SECRET is set");
    }
}
