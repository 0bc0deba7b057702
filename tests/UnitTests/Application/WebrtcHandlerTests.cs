using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Speaking.Application.Webrtc;
using Speaking.Domain.Webrtc;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Application;

public class GetIceServersQueryHandlerTests
{
    private static readonly long NowSeconds = new DateTimeOffset(Fakes.Now).ToUnixTimeSeconds();

    private static GetIceServersQueryHandler Handler(string? secret = "s3cret", int ttl = 3600, string[]? stun = null) =>
        new(Options.Create(new TurnOptions
        {
            Secret = secret,
            TurnUrls = ["turn:turn.example.com:3478?transport=udp", "turns:turn.example.com:5349"],
            StunUrls = stun ?? ["stun:turn.example.com:3478"],
            TtlSeconds = ttl,
        }), Fakes.ClockAt(Fakes.Now));

    [Fact]
    public async Task ASignedInUser_GetsStunWithoutAndTurnWithCredentialsForTheirId_ForTheWholeTtl()
    {
        var user = Guid.NewGuid();

        var view = (await Handler(ttl: 7200).Handle(new GetIceServersQuery(user), default)).Value;

        view.Ttl.ShouldBe(7200);
        view.IceServers.Count.ShouldBe(2);
        view.IceServers[0].Urls.ShouldBe(["stun:turn.example.com:3478"]);
        view.IceServers[0].Username.ShouldBeNull("STUN has no credentials");
        view.IceServers[0].Credential.ShouldBeNull();
        var turn = view.IceServers[1];
        turn.Urls.ShouldBe(["turn:turn.example.com:3478?transport=udp", "turns:turn.example.com:5349"]);
        turn.Username.ShouldBe($"{NowSeconds + 7200}:{user}");
        turn.Credential.ShouldBe(TurnCredentials.Sign("s3cret", turn.Username!));
    }

    [Theory]
    [InlineData(7200, 1800)]
    [InlineData(1800, 1800)]
    [InlineData(600, 600)]
    public async Task AnAnonymousCaller_GetsARandomIdAndAtMostHalfAnHour(int ttl, int anonymousTtl)
    {
        var handler = Handler(ttl: ttl);

        var first = (await handler.Handle(new GetIceServersQuery(null), default)).Value;
        var second = (await handler.Handle(new GetIceServersQuery(null), default)).Value;

        first.Ttl.ShouldBeNull("the anonymous answer is exactly {\"iceServers\": [...]}");
        var username = first.IceServers[1].Username!;
        username.ShouldStartWith($"{NowSeconds + anonymousTtl}:anon-");
        Regex.IsMatch(username.Split(':')[1], "^anon-[0-9a-f]{32}$").ShouldBeTrue(username);
        first.IceServers[1].Credential.ShouldBe(TurnCredentials.Sign("s3cret", username));
        second.IceServers[1].Username.ShouldNotBe(username);
    }

    [Fact]
    public async Task WithoutStunUrls_OnlyTheTurnEntryIsListed()
    {
        var view = (await Handler(stun: []).Handle(new GetIceServersQuery(null), default)).Value;

        view.IceServers.Count.ShouldBe(1);
        view.IceServers[0].Username.ShouldNotBeNull();
    }

    [Fact]
    public async Task WithoutASecret_TurnIsNotConfigured()
    {
        var result = await Handler(secret: null).Handle(new GetIceServersQuery(Guid.NewGuid()), default);

        result.Error.ShouldBe(TurnErrors.NotConfigured);
        result.Error!.Detail.ShouldBe("TURN is not configured");
    }
}
