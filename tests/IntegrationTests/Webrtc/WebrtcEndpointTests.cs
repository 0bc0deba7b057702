using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Webrtc;

/// <summary>
/// Issue 13: <c>GET /webrtc/ice-servers</c> (bearer) and <c>GET /webrtc/turn-credentials</c> (what the frontend's
/// NEXT_PUBLIC_TURN_CREDENTIALS_URL asks: a plain GET, no token, no cookies) on the real service: the shapes the
/// frontend reads, the credential rule, 503 without TURN_SECRET, the key, the per-address limit, and CORS headers on
/// every answer.
/// </summary>
public sealed partial class WebrtcEndpointTests
{
    private const string Secret = "north-wind-shared-secret";
    private const string Origin = "http://localhost:3000";
    private static readonly string[] TurnUrls = ["turn:turn.example.com:3478?transport=udp", "turns:turn.example.com:5349?transport=tcp"];
    private static readonly string[] StunUrls = ["stun:turn.example.com:3478", "stun:stun.example.net:19302"];

    private static Dictionary<string, string?> Turn(int ttlSeconds = 7200) => new()
    {
        ["TURN_SECRET"] = Secret,
        ["TURN_URLS"] = string.Join(',', TurnUrls),
        ["STUN_URLS"] = string.Join(" , ", StunUrls),
        ["TURN_TTL_SECONDS"] = ttlSeconds.ToString(),
        ["CORS_ORIGINS"] = Origin,
    };

    [GeneratedRegex("^anon-[0-9a-f]{32}$")]
    private static partial Regex AnonymousId();

    /// <summary>A GET as the frontend's fetch(url) sends it from the page: an Origin header and nothing else.</summary>
    private static HttpRequestMessage FromPage(string path, string? forwardedFor = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Origin", Origin);
        if (forwardedFor is not null) request.Headers.Add("X-Forwarded-For", forwardedFor);
        return request;
    }

    private static void ShouldCarryCors(HttpResponseMessage response)
    {
        response.Headers.GetValues("Access-Control-Allow-Origin").ShouldBe([Origin], $"{(int)response.StatusCode} without CORS headers");
        response.Headers.Vary.ShouldContain("Origin");
    }

    /// <summary>The STUN entry and the TURN entry, checked for the exact RTCIceServer keys; returns the TURN username and credential.</summary>
    private static (string Username, string Credential) ShouldBeIceServers(JsonElement body)
    {
        var servers = body.GetProperty("iceServers").EnumerateArray().ToList();
        servers.Count.ShouldBe(2, body.GetRawText());
        servers[0].Keys().ShouldBe(["urls"]);
        servers[0].GetProperty("urls").EnumerateArray().Select(u => u.GetString()).ShouldBe(StunUrls);
        servers[1].Keys().ShouldBe(["credential", "urls", "username"]);
        servers[1].GetProperty("urls").EnumerateArray().Select(u => u.GetString()).ShouldBe(TurnUrls);
        return (servers[1].Str("username"), servers[1].Str("credential"));
    }

    /// <summary>coturn's rule, written out here independently: the password is base64(HMAC-SHA1(secret, username)).</summary>
    private static string CoturnPassword(string username) =>
        Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(username)));

    private static long Expiry(string username) => long.Parse(username.Split(':')[0]);

    [Fact]
    public async Task IceServers_GiveASignedInUser_CredentialsForTheirId_ForTurnTtlSeconds()
    {
        await using var host = await TestHost.StartAsync(Turn(ttlSeconds: 7200));
        var user = await host.RegisterAsync();
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var response = await host.SendAsync(HttpMethod.Get, "/webrtc/ice-servers", user);

        var after = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        response.Headers.CacheControl!.NoStore.ShouldBeTrue();
        var body = await response.ReadJsonAsync();
        body.Keys().ShouldBe(["iceServers", "ttl"]);
        body.GetProperty("ttl").GetInt32().ShouldBe(7200);
        var (username, credential) = ShouldBeIceServers(body);
        username.Split(':')[1].ShouldBe(user.IdText);
        Expiry(username).ShouldBeInRange(before + 7200, after + 7200);
        credential.ShouldBe(CoturnPassword(username));
    }

    [Fact]
    public async Task IceServers_WithoutAToken_Is401()
    {
        await using var host = await TestHost.StartAsync(Turn());

        var response = await host.Http.SendAsync(FromPage("/webrtc/ice-servers"));

        await response.ShouldBeUnauthorizedAsync("Not authenticated");
        ShouldCarryCors(response);
    }

    [Theory]
    [InlineData(7200, 1800)] // anonymous credentials live at most half an hour
    [InlineData(600, 600)]
    public async Task TurnCredentials_AnswerTheFrontendsPlainGet_WithAnonymousShortLivedCredentials(int ttlSeconds, int anonymousSeconds)
    {
        await using var host = await TestHost.StartAsync(Turn(ttlSeconds));
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var first = await host.Http.SendAsync(FromPage("/webrtc/turn-credentials"));
        var second = await host.Http.SendAsync(FromPage("/webrtc/turn-credentials"));

        var after = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        first.StatusCode.ShouldBe(HttpStatusCode.OK, await first.Content.ReadAsStringAsync());
        ShouldCarryCors(first);
        first.Headers.CacheControl!.NoStore.ShouldBeTrue();
        first.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
        var body = await first.ReadJsonAsync();
        body.Keys().ShouldBe(["iceServers"]); // the frontend's object form, nothing else
        var (username, credential) = ShouldBeIceServers(body);
        AnonymousId().IsMatch(username.Split(':')[1]).ShouldBeTrue(username);
        Expiry(username).ShouldBeInRange(before + anonymousSeconds, after + anonymousSeconds);
        credential.ShouldBe(CoturnPassword(username));

        var (otherUsername, _) = ShouldBeIceServers(await second.ReadJsonAsync());
        otherUsername.Split(':')[1].ShouldNotBe(username.Split(':')[1], "every request gets its own anonymous id");
    }

    [Fact]
    public async Task WithoutStunUrls_OnlyTheTurnEntryIsListed()
    {
        var settings = Turn();
        settings.Remove("STUN_URLS");
        await using var host = await TestHost.StartAsync(settings);

        var body = await (await host.Http.SendAsync(FromPage("/webrtc/turn-credentials"))).ReadJsonAsync();

        var servers = body.GetProperty("iceServers").EnumerateArray().ToList();
        servers.Count.ShouldBe(1);
        servers[0].GetProperty("urls").EnumerateArray().Select(u => u.GetString()).ShouldBe(TurnUrls);
    }

    [Fact]
    public async Task WithoutTurnSecret_BothEndpointsAnswer503_WithCorsHeaders_SoTheFrontendFallsBack()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["CORS_ORIGINS"] = Origin });
        var user = await host.RegisterAsync();

        var anonymous = await host.Http.SendAsync(FromPage("/webrtc/turn-credentials"));
        var signedIn = FromPage("/webrtc/ice-servers");
        signedIn.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        var bearer = await host.Http.SendAsync(signedIn);

        foreach (var response in new[] { anonymous, bearer })
        {
            await response.ShouldBeDetailAsync(HttpStatusCode.ServiceUnavailable, "TURN is not configured");
            ShouldCarryCors(response);
        }
    }

    [Fact]
    public async Task WithAKey_OnlyTheExactKeyInTheQueryOpensTheEndpoint()
    {
        var settings = Turn();
        settings["TURN_CREDENTIALS_KEY"] = "k3y-for-the-bundle";
        await using var host = await TestHost.StartAsync(settings);

        string[] wrong =
        [
            "", "?key=", "?key=k3y", "?key=K3Y-FOR-THE-BUNDLE", "?key=k3y-for-the-bundle-and-more", "?key=k3y-for-the-bundle&key=k3y-for-the-bundle",
            "?KEY=x", "?key=%00", "?key=%FF%FE", "?key=%ED%A0%80", "?key=k3y-for-the-bundle%00", "?key=" + new string('k', 8000),
        ];
        foreach (var query in wrong)
        {
            var refused = await host.Http.SendAsync(FromPage("/webrtc/turn-credentials" + query));
            await refused.ShouldBeDetailAsync(HttpStatusCode.Forbidden, "Invalid TURN credentials key");
            ShouldCarryCors(refused);
        }

        var opened = await host.Http.SendAsync(FromPage("/webrtc/turn-credentials?key=k3y-for-the-bundle"));
        opened.StatusCode.ShouldBe(HttpStatusCode.OK);
        ShouldCarryCors(opened);
        ShouldBeIceServers(await opened.ReadJsonAsync());
    }

    [Fact]
    public async Task ThePerAddressLimit_Answers429WithRetryAfterAndCors_ToThatAddressOnly()
    {
        var settings = Turn();
        settings["TURN_CREDENTIALS_PER_MINUTE"] = "3";
        settings["TRUSTED_PROXIES"] = "127.0.0.1"; // the client address comes from X-Forwarded-For, as behind nginx
        await using var host = await TestHost.StartAsync(settings);

        var (granted, refused) = await UntilRefusedAsync(host, _ => "203.0.113.7");

        granted.ShouldBeGreaterThanOrEqualTo(3);
        granted.ShouldBeLessThanOrEqualTo(6, "at most the limit in each of two windows"); // a window may end while the loop runs
        await refused.ShouldBeDetailAsync(HttpStatusCode.TooManyRequests, "Too many TURN credential requests");
        int.Parse(refused.Headers.GetValues("Retry-After").Single()).ShouldBeInRange(1, 60);
        ShouldCarryCors(refused);

        var other = await host.Http.SendAsync(FromPage("/webrtc/turn-credentials", forwardedFor: "203.0.113.8"));
        other.StatusCode.ShouldBe(HttpStatusCode.OK);
        var user = await host.RegisterAsync();
        (await host.Http.SendAsync(host.Request(HttpMethod.Get, "/webrtc/ice-servers", user))).StatusCode.ShouldBe(HttpStatusCode.OK,
            "signed-in clients are not limited by the anonymous endpoint's count");
    }

    [Fact]
    public async Task ThePerAddressLimit_CountsAnIPv6ClientPerSlash64()
    {
        var settings = Turn();
        settings["TURN_CREDENTIALS_PER_MINUTE"] = "3";
        settings["TRUSTED_PROXIES"] = "127.0.0.1";
        await using var host = await TestHost.StartAsync(settings);

        // A new address of the same /64 for every request: only a count per /64 ever refuses one.
        var (_, refused) = await UntilRefusedAsync(host, attempt => $"2001:db8:1:2::{attempt + 1:x}");

        await refused.ShouldBeDetailAsync(HttpStatusCode.TooManyRequests, "Too many TURN credential requests");
    }

    [Fact]
    public async Task WrongKeys_CountAgainstTheLimit()
    {
        var settings = Turn();
        settings["TURN_CREDENTIALS_KEY"] = "k3y";
        settings["TURN_CREDENTIALS_PER_MINUTE"] = "3";
        await using var host = await TestHost.StartAsync(settings);

        HttpResponseMessage? last = null;
        for (var attempt = 0; attempt < 10 && last?.StatusCode != HttpStatusCode.TooManyRequests; attempt++)
        {
            last = await host.Http.SendAsync(FromPage("/webrtc/turn-credentials?key=guess" + attempt));
            last.StatusCode.ShouldBeOneOf(HttpStatusCode.Forbidden, HttpStatusCode.TooManyRequests);
        }

        last!.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests, "key guesses are limited like any other request");
    }

    /// <summary>Requests from the address <paramref name="client"/> names for each attempt, until one is refused (at most 10).</summary>
    private static async Task<(int Granted, HttpResponseMessage Refused)> UntilRefusedAsync(TestHost host, Func<int, string> client)
    {
        var granted = 0;
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var response = await host.Http.SendAsync(FromPage("/webrtc/turn-credentials", forwardedFor: client(attempt)));
            if (response.StatusCode == HttpStatusCode.TooManyRequests) return (granted, response);
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            granted++;
        }

        throw new ShouldAssertException($"{granted} requests granted and none refused with TURN_CREDENTIALS_PER_MINUTE=3");
    }
}
