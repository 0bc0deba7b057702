using System.Net;
using System.Net.WebSockets;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Operations;

/// <summary>
/// Issue 11: nginx from apt, started with deploy/nginx.conf on a loopback port, in front of the running service.
/// </summary>
public sealed class NginxTests
{
    private const string WrongLoginDetail = "Incorrect email or password";

    private static Dictionary<string, string?> BehindLoopbackProxy(int maxFailuresPerAddress = 100) => new()
    {
        ["TRUSTED_PROXIES"] = "127.0.0.1",
        ["LOGIN_MAX_FAILURES_PER_ADDRESS"] = maxFailuresPerAddress.ToString(),
    };

    /// <summary>A wrong login (a fresh unknown email each time, so the per-email limit never counts) from <paramref name="forwardedFor"/>.</summary>
    private static Task<HttpResponseMessage> WrongLoginAsync(HttpClient client, string forwardedFor)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/auth/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["username"] = $"ghost{Guid.NewGuid():N}@example.com",
                ["password"] = "wrong-password",
            }),
        };
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        return client.SendAsync(request);
    }

    private static async Task<string> LogLineAsync(NginxProxy proxy, string fragment)
    {
        (await Sessions.EventuallyAsync(() => Task.FromResult(proxy.Log.Any(l => l.Contains(fragment, StringComparison.Ordinal)))))
            .ShouldBeTrue($"nginx never logged a line with '{fragment}':\n{string.Join('\n', proxy.Log)}");
        return proxy.Log.First(l => l.Contains(fragment, StringComparison.Ordinal));
    }

    [Fact]
    public async Task WebSocket_ThroughNginx_PingsMatchesAndRelaysAnOffer_AndTheTokenNeverReachesItsLog()
    {
        await using var host = await TestHost.StartAsync(BehindLoopbackProxy());
        await using var proxy = await NginxProxy.StartAsync(host);
        var a = await host.RegisterAsync("Alice", level: 6.5, via: proxy.Http);
        var b = await host.RegisterAsync("Bobur", level: 7.0, via: proxy.Http);

        await using (var wa = await proxy.ConnectAsync(a))
        await using (var wb = await proxy.ConnectAsync(b))
        {
            await wa.SendAsync(new { type = "ping" });
            (await wa.NextAsync()).GetRawText().ShouldBe("""{"type":"pong"}""");
            await wb.SendAsync(new { type = "ping" });
            (await wb.NextAsync()).GetRawText().ShouldBe("""{"type":"pong"}""");

            await wa.SendAsync(new { type = "join_queue", data = new { mode = "roulette" } });
            (await wa.NextAsync()).Type().ShouldBe("queue_joined");
            await wb.SendAsync(new { type = "join_queue", data = new { mode = "roulette" } });
            (await wb.NextAsync()).Type().ShouldBe("queue_joined");
            var matchedA = (await wa.WaitForAsync("matched")).GetProperty("data");
            var matchedB = (await wb.WaitForAsync("matched")).GetProperty("data");
            matchedA.Str("partner_id").ShouldBe(b.IdText);
            matchedB.Str("partner_id").ShouldBe(a.IdText);
            matchedA.Str("session_id").ShouldBe(matchedB.Str("session_id"));

            await wa.SendAsync(new { type = "offer", data = new { target_user_id = b.IdText, data = new { type = "offer", sdp = "v=0\r\n" } } });
            var offer = await wb.NextAsync();
            offer.Keys().ShouldBe(["data", "from_user_id", "type"]);
            offer.Type().ShouldBe("offer");
            offer.Str("from_user_id").ShouldBe(a.IdText);
            offer.GetProperty("data").GetRawText().ShouldBe("""{"type":"offer","sdp":"v=0\r\n"}""");

            await wb.SendAsync(new { type = "answer", data = new { target_user_id = a.IdText, data = new { type = "answer", sdp = "v=0" } } });
            var answer = await wa.NextAsync();
            answer.Type().ShouldBe("answer");
            answer.Str("from_user_id").ShouldBe(b.IdText);
        }

        // nginx writes a WebSocket's access-log line when it closes.
        var line = await LogLineAsync(proxy, $"/ws/match/{a.Id}");
        line.ShouldContain(" 101 ");
        proxy.Log.ShouldNotContain(l => l.Contains(a.Token, StringComparison.Ordinal) || l.Contains(b.Token, StringComparison.Ordinal)
            || l.Contains("token=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task LoginLimit_BehindNginx_WithTrustedProxies_CountsPerForwardedClientAddress()
    {
        await using var host = await TestHost.StartAsync(BehindLoopbackProxy(maxFailuresPerAddress: 3));
        await using var proxy = await NginxProxy.StartAsync(host);

        // nginx appends its peer: the service gets "203.0.113.7, 127.0.0.1", trusts 127.0.0.1 and keys on 203.0.113.7.
        for (var i = 0; i < 3; i++) await (await WrongLoginAsync(proxy.Http, "203.0.113.7")).ShouldBeUnauthorizedAsync(WrongLoginDetail);
        await (await WrongLoginAsync(proxy.Http, "203.0.113.7")).ShouldBeDetailAsync(HttpStatusCode.TooManyRequests, "Too many login attempts");

        // Another client behind the same nginx still has its own allowance.
        await (await WrongLoginAsync(proxy.Http, "203.0.113.8")).ShouldBeUnauthorizedAsync(WrongLoginDetail);
    }

    [Fact]
    public async Task LoginLimit_BehindNginx_WithoutTrustedProxies_SeesOnlyNginx_SoAllClientsShareOneAllowance()
    {
        var settings = BehindLoopbackProxy(maxFailuresPerAddress: 3);
        settings.Remove("TRUSTED_PROXIES");
        await using var host = await TestHost.StartAsync(settings);
        await using var proxy = await NginxProxy.StartAsync(host);

        for (var i = 0; i < 3; i++) await (await WrongLoginAsync(proxy.Http, "203.0.113.7")).ShouldBeUnauthorizedAsync(WrongLoginDetail);

        await (await WrongLoginAsync(proxy.Http, "203.0.113.8")).ShouldBeDetailAsync(HttpStatusCode.TooManyRequests, "Too many login attempts");
    }

    [Fact]
    public async Task LoginLimit_WithoutTrustedProxies_AClientTalkingDirectlyCannotPickItsAddressByHeader()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["LOGIN_MAX_FAILURES_PER_ADDRESS"] = "3" });

        for (var i = 0; i < 3; i++) await (await WrongLoginAsync(host.Http, $"198.51.100.{i}")).ShouldBeUnauthorizedAsync(WrongLoginDetail);

        await (await WrongLoginAsync(host.Http, "198.51.100.99")).ShouldBeDetailAsync(HttpStatusCode.TooManyRequests, "Too many login attempts");
    }

    [Fact]
    public async Task Metrics_AreRefusedThroughNginx_ThoughNginxConnectsFromLoopback()
    {
        await using var host = await TestHost.StartAsync(BehindLoopbackProxy());
        await using var proxy = await NginxProxy.StartAsync(host);

        await (await proxy.Http.GetAsync("/metrics")).ShouldBeDetailAsync(HttpStatusCode.Forbidden,
            "Metrics are served only to local requests or with METRICS_TOKEN");

        // A client cannot talk its way in by claiming to be local: nginx appends its own peer to the header it was sent.
        using (var claimingLocal = new HttpRequestMessage(HttpMethod.Get, "/metrics"))
        {
            claimingLocal.Headers.TryAddWithoutValidation("X-Forwarded-For", "127.0.0.1");
            await (await proxy.Http.SendAsync(claimingLocal)).ShouldBeDetailAsync(HttpStatusCode.Forbidden,
                "Metrics are served only to local requests or with METRICS_TOKEN");
        }

        var direct = await host.Http.GetAsync("/metrics");
        direct.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await direct.Content.ReadAsStringAsync()).ShouldContain("# TYPE");
    }

    [Fact]
    public async Task Metrics_ThroughNginx_WithMetricsToken_OpenOnlyToTheBearer()
    {
        const string token = "nginx-scrape-token-42";
        var settings = BehindLoopbackProxy();
        settings["METRICS_TOKEN"] = token;
        await using var host = await TestHost.StartAsync(settings);
        await using var proxy = await NginxProxy.StartAsync(host);

        await (await proxy.Http.GetAsync("/metrics")).ShouldBeUnauthorizedAsync("Not authenticated");
        using var scrape = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        scrape.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        var opened = await proxy.Http.SendAsync(scrape);
        opened.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await opened.Content.ReadAsStringAsync()).ShouldContain("# TYPE speaking_open_sockets gauge");
    }

    [Fact]
    public async Task SeveralUpstreams_ShareTheRequests_WithoutStickiness()
    {
        await using var first = await TestHost.StartAsync();
        await using var second = await TestHost.StartAsync();
        await using var proxy = await NginxProxy.StartAsync(first, second);
        proxy.Upstreams.Count.ShouldBe(2);

        var served = new HashSet<string>();
        for (var i = 0; i < 40 && served.Count < 2; i++)
        {
            (await proxy.Http.GetAsync("/health")).StatusCode.ShouldBe(HttpStatusCode.OK);
            served.UnionWith(proxy.Upstreams.Where(u => proxy.Log.Any(l => l.Contains("upstream=" + u + " ", StringComparison.Ordinal))));
        }

        // Lines are written as requests end; wait for the last ones before judging.
        (await Sessions.EventuallyAsync(() =>
        {
            served.UnionWith(proxy.Upstreams.Where(u => proxy.Log.Any(l => l.Contains("upstream=" + u + " ", StringComparison.Ordinal))));
            return Task.FromResult(served.Count == 2);
        })).ShouldBeTrue($"Only {string.Join(", ", served)} served:\n{string.Join('\n', proxy.Log)}");
    }

    [Fact]
    public async Task DeadUpstream_Gives502_AndTheWebSocketTokenStaysOutOfBothLogs()
    {
        // A port nobody listens on: nginx answers 502 and writes error-log lines, which quote the request line.
        using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var deadPort = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        await using var proxy = await NginxProxy.StartAsync([$"127.0.0.1:{deadPort}"]);
        const string token = "eyJhbGciOiJIUzI1NiJ9.secret-token-for-the-log-check.c2ln";

        (await proxy.Http.GetAsync("/health")).StatusCode.ShouldBe(HttpStatusCode.BadGateway);
        using (var socket = new ClientWebSocket())
        {
            await Should.ThrowAsync<WebSocketException>(() => socket.ConnectAsync(proxy.WebSocketUri(Guid.NewGuid(), token), CancellationToken.None));
        }

        // The error log is captured (the /health failure is quoted there), yet no line carries the WebSocket token.
        await LogLineAsync(proxy, "request: \"GET /health HTTP/1.1\"");
        (await LogLineAsync(proxy, "/ws/match/")).ShouldContain(" 502 ");
        proxy.Log.ShouldNotContain(l => l.Contains(token, StringComparison.Ordinal) || l.Contains("token=", StringComparison.Ordinal));
    }
}
