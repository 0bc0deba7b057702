using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Speaking.Application.Common;
using Speaking.Domain.Webrtc;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Webrtc;

/// <summary>One coturn for the class, in REST-API mode on loopback, sharing its secret with each test's service.</summary>
public sealed class CoturnFixture : IAsyncLifetime
{
    public Coturn Turn { get; private set; } = null!;

    public async Task InitializeAsync() => Turn = await Coturn.StartForLoopbackCallsAsync();

    public async Task DisposeAsync() => await Turn.DisposeAsync();
}

/// <summary>
/// Issue 13 against a real coturn (apt's turnserver, <c>use-auth-secret</c>): credentials from our endpoints open a
/// relay allocation, exactly as a browser asks for one (Allocate, 401 challenge, Allocate with MESSAGE-INTEGRITY);
/// expired and forged ones are refused by coturn itself.
/// </summary>
public sealed class CoturnTests(CoturnFixture fixture) : IClassFixture<CoturnFixture>
{
    private Coturn Turn => fixture.Turn;

    private Dictionary<string, string?> Settings() => new() { ["TURN_SECRET"] = Turn.Secret, ["TURN_URLS"] = Turn.TurnUrl };

    private async Task<TurnAnswer> AllocateAsync(string username, string credential)
    {
        using var client = new TurnClient(Turn.EndPoint);
        return await client.AllocateAsync(username, credential);
    }

    private static async Task<(string Username, string Credential)> CredentialsAsync(HttpResponseMessage response)
    {
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var turn = (await response.ReadJsonAsync()).GetProperty("iceServers").EnumerateArray().Single();
        return (turn.Str("username"), turn.Str("credential"));
    }

    [Fact]
    public async Task CredentialsFromBothEndpoints_OpenARelayAllocation()
    {
        await using var host = await TestHost.StartAsync(Settings());
        var user = await host.RegisterAsync();

        var anonymous = await CredentialsAsync(await host.Http.GetAsync("/webrtc/turn-credentials"));
        var signedIn = await CredentialsAsync(await host.SendAsync(HttpMethod.Get, "/webrtc/ice-servers", user));

        foreach (var (username, credential) in new[] { anonymous, signedIn })
        {
            var answer = await AllocateAsync(username, credential);
            answer.IsSuccess.ShouldBeTrue($"{username}: {answer}\n{string.Join('\n', Turn.Log.TakeLast(20))}");
            answer.RelayedAddress!.Address.ShouldBe(IPAddress.Loopback);
        }
    }

    [Fact]
    public async Task ExpiredCredentials_AreRefusedByCoturn()
    {
        var clock = new MovableClock();
        clock.Advance(TimeSpan.FromHours(-2)); // the service signs as if two hours ago: a one-hour credential has expired
        var settings = Settings();
        settings["TURN_TTL_SECONDS"] = "3600";
        await using var host = await TestHost.StartAsync(settings, replaceServices: services => services.AddSingleton<IClock>(clock));
        var user = await host.RegisterAsync();

        var (username, credential) = await CredentialsAsync(await host.SendAsync(HttpMethod.Get, "/webrtc/ice-servers", user));

        long.Parse(username.Split(':')[0]).ShouldBeLessThan(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        credential.ShouldBe(TurnCredentials.Sign(Turn.Secret, username), "correctly signed: only the expiry is wrong");
        var answer = await AllocateAsync(username, credential);
        answer.ErrorCode.ShouldBe(401, answer.ToString());
    }

    [Fact]
    public async Task ForgedCredentials_AreRefusedByCoturn_WhileTheGenuineOnesWork()
    {
        await using var host = await TestHost.StartAsync(Settings());
        var (username, credential) = await CredentialsAsync(await host.Http.GetAsync("/webrtc/turn-credentials"));
        var expiry = long.Parse(username.Split(':')[0]);
        var id = username.Split(':')[1];
        var now = DateTimeOffset.UtcNow;

        var forgeries = new (string What, string Username, string Credential)[]
        {
            ("a later expiry with the issued credential", $"{expiry + 86_400}:{id}", credential),
            ("another id with the issued credential", $"{expiry}:anon-{new string('0', 32)}", credential),
            ("signed with a guessed secret", username, TurnCredentials.Sign("guessed-secret", username)),
            ("a credential minted with another secret", TurnCredentials.Create("another-secret", "anon-x", now, TimeSpan.FromHours(1)).Username,
                TurnCredentials.Create("another-secret", "anon-x", now, TimeSpan.FromHours(1)).Credential),
            ("no expiry in the username, even signed with the right secret", id, TurnCredentials.Sign(Turn.Secret, id)),
        };
        foreach (var (what, forgedUsername, forgedCredential) in forgeries)
        {
            var answer = await AllocateAsync(forgedUsername, forgedCredential);
            answer.ErrorCode.ShouldBe(401, $"{what}: {answer}");
        }

        (await AllocateAsync(username, credential)).IsSuccess.ShouldBeTrue("the genuine credential, after all the forgeries");
    }
}

/// <summary>
/// The repository's <c>deploy/turnserver.conf</c>, run by the real coturn (only listening address, ports, secret and log
/// replaced): it takes our credentials, and an allocation cannot be pointed at private, loopback, link-local, CGNAT or
/// multicast peers, only at public ones.
/// </summary>
public sealed class DeployedCoturnTests
{
    [Fact]
    public async Task TheDeployConfig_AcceptsOurCredentials_AndDeniesPeersOnPrivateNetworks()
    {
        await using var turn = await Coturn.StartWithDeployConfigAsync();
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["TURN_SECRET"] = turn.Secret, ["TURN_URLS"] = turn.TurnUrl });
        var server = (await (await host.Http.GetAsync("/webrtc/turn-credentials")).ReadJsonAsync()).GetProperty("iceServers")[0];

        var credentials = (server.Str("username"), server.Str("credential"));

        await ShouldDenyAsync(turn, credentials, ipv6: false,
            denied: ["10.1.2.3", "172.16.0.1", "172.28.57.10", "192.168.1.1", "100.64.0.1", "127.0.0.1", "127.1.2.3", "169.254.169.254",
                "192.0.0.8", "198.18.0.1", "224.0.0.251", "239.255.255.250", "255.255.255.255"],
            allowed: ["203.0.113.9", "198.51.100.20", "8.8.8.8"]);
        await ShouldDenyAsync(turn, credentials, ipv6: true,
            denied: ["::1", "::ffff:10.0.0.1", "::ffff:8.8.8.8", "64:ff9b:1::a00:1", "fd00::1", "fc00::5", "fe80::1", "fec0::1", "ff02::1"],
            allowed: ["2001:db8::1", "2606:4700:4700::1111"]);
        turn.Log.Where(line => line.Contains("Bad configuration format") || line.Contains("Wrong address format")).ShouldBeEmpty(
            "coturn read every line of deploy/turnserver.conf");
    }

    /// <summary>One allocation (IPv4 or IPv6 relay): CreatePermission is refused (403) for every denied peer, granted for the others.</summary>
    private static async Task ShouldDenyAsync(Coturn turn, (string Username, string Credential) credentials, bool ipv6, string[] denied, string[] allowed)
    {
        using var client = new TurnClient(turn.EndPoint);
        var allocation = await client.AllocateAsync(credentials.Username, credentials.Credential, ipv6);
        allocation.IsSuccess.ShouldBeTrue($"{allocation}\n{string.Join('\n', turn.Log.TakeLast(20))}");
        allocation.RelayedAddress!.Address.ShouldBe(ipv6 ? IPAddress.IPv6Loopback : IPAddress.Loopback);

        foreach (var peer in denied)
            (await client.CreatePermissionAsync(IPAddress.Parse(peer))).ErrorCode.ShouldBe(403, $"{peer} must be denied");
        foreach (var peer in allowed)
        {
            var answer = await client.CreatePermissionAsync(IPAddress.Parse(peer));
            answer.IsSuccess.ShouldBeTrue($"{peer}: {answer}");
        }
    }
}
