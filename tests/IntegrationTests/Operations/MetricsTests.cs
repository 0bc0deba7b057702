using System.Net;
using System.Net.Http.Headers;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Operations;

/// <summary>
/// Issue 11, item 4: <c>GET /metrics</c> in Prometheus text format, each service with its own registry. A scripted
/// flow moves exactly the counters it should; the state gauges are read from their sources; access needs the
/// METRICS_TOKEN bearer, or (without one) a direct loopback request with no forwarding header.
/// </summary>
public sealed class MetricsTests
{
    private const string LocalOnly = "Metrics are served only to local requests or with METRICS_TOKEN";

    /// <summary>The product's counters the scripted flow may move; every other series of theirs must stay put.</summary>
    private static readonly string[] Counters =
    [
        "speaking_sessions_started_total", "speaking_sessions_ended_total", "speaking_relayed_messages_total",
        "speaking_refused_messages_total", "speaking_refused_connections_total", "speaking_slow_client_disconnects_total",
        "speaking_database_errors_total",
    ];

    private static async Task<PrometheusText> ScrapeAsync(HttpClient http)
    {
        var response = await http.GetAsync("/metrics");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/plain");
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>Every series of <paramref name="names"/> that differs between two scrapes, with its change.</summary>
    private static Dictionary<string, double> Moved(PrometheusText before, PrometheusText after, IEnumerable<string> names)
    {
        static string Key(PrometheusSample s) => s.Name + "{" + string.Join(',', s.Labels.OrderBy(l => l.Key).Select(l => $"{l.Key}=\"{l.Value}\"")) + "}";
        var old = before.Samples.ToDictionary(Key, s => s.Value);
        return after.Samples.Where(s => names.Contains(s.Name))
            .Select(s => (Key: Key(s), Delta: s.Value - old.GetValueOrDefault(Key(s))))
            .Where(m => m.Delta != 0)
            .ToDictionary(m => m.Key, m => m.Delta);
    }

    [Fact]
    public async Task ScriptedFlow_TwoMatchedOneRelayedOneRefused_MovesExactlyThoseCounters_InItsOwnRegistryOnly()
    {
        // Two services in one test process: each must count only its own traffic.
        var starting = TestHost.StartAsync();
        await using var bystander = await TestHost.StartAsync();
        await using var host = await starting;
        var bystanderBefore = await ScrapeAsync(bystander.Http);

        var ann = await host.RegisterAsync("Ann");
        var bob = await host.RegisterAsync("Bob");
        var stranger = await host.RegisterAsync("Stranger");
        await using var wa = await host.ConnectAsync(ann);
        await using var wb = await host.ConnectAsync(bob);
        (await wa.DrainAsync()).ShouldBeEmpty();
        (await wb.DrainAsync()).ShouldBeEmpty();
        var before = await ScrapeAsync(host.Http);
        before.Single("speaking_open_sockets").ShouldBe(2);
        before.Single("speaking_online_users").ShouldBe(2);
        before.Single("speaking_queue_depth", ("mode", "roulette")).ShouldBe(0);

        // One waiting ticket (alone, it cannot be matched): the queue gauge reads it from PostgreSQL.
        await wa.SendAsync(new { type = "join_queue", data = new { mode = "roulette" } });
        await wa.WaitForAsync("queue_joined");
        var queued = await ScrapeAsync(host.Http);
        queued.Single("speaking_queue_depth", ("mode", "roulette")).ShouldBe(1);
        queued.Single("speaking_queue_depth", ("mode", "level_filter")).ShouldBe(0);

        await wb.SendAsync(new { type = "join_queue", data = new { mode = "roulette" } });
        await wb.WaitForAsync("queue_joined");
        await wa.WaitForAsync("matched");
        await wb.WaitForAsync("matched");
        await wa.SendAsync(new { type = "offer", data = new { target_user_id = bob.IdText, data = new { type = "offer", sdp = "v=0\r\n" } } });
        (await wb.WaitForAsync("offer")).Str("from_user_id").ShouldBe(ann.IdText);
        await wa.SendAsync(new { type = "offer", data = new { target_user_id = stranger.IdText, data = new { type = "offer", sdp = "v=0\r\n" } } });
        (await wa.WaitForAsync("error")).Str("message").ShouldBe("Not in an active session with this user");

        var after = await ScrapeAsync(host.Http);
        Moved(before, after, Counters).ShouldBe(new Dictionary<string, double>
        {
            ["speaking_sessions_started_total{mode=\"roulette\"}"] = 1,
            ["speaking_relayed_messages_total{type=\"offer\"}"] = 1,
            ["speaking_refused_messages_total{reason=\"not_in_session\"}"] = 1,
        }, ignoreOrder: true);

        after.Single("speaking_open_sockets").ShouldBe(2);
        after.Single("speaking_online_users").ShouldBe(2);
        after.Single("speaking_queue_depth", ("mode", "roulette")).ShouldBe(0);
        after.Types["speaking_matchmaking_round_duration_seconds"].ShouldBe("histogram");
        after.Single("speaking_matchmaking_round_duration_seconds_count").ShouldBeGreaterThan(0);
        after.Single("speaking_matchmaking_round_duration_seconds_bucket", ("le", "+Inf"))
            .ShouldBe(after.Single("speaking_matchmaking_round_duration_seconds_count"));

        // HTTP request duration by route template (never the raw path), method and exact status code.
        after.Types["http_request_duration_seconds"].ShouldBe("histogram");
        after.Sum("http_request_duration_seconds_count", ("endpoint", "/auth/register"), ("method", "POST"), ("code", "201")).ShouldBe(3);
        after.Samples.ShouldNotContain(s => s.Labels.Values.Any(v => v.Contains(ann.IdText, StringComparison.Ordinal)));

        // A WebSocket is one HTTP request (101) that ends when the socket closes.
        after.Sum("http_request_duration_seconds_count", ("endpoint", "/ws/match/{user_id}")).ShouldBe(0);
        await wb.CloseAsync();
        (await Sessions.EventuallyAsync(async () =>
        {
            var closed = await ScrapeAsync(host.Http);
            return closed.Sum("http_request_duration_seconds_count", ("endpoint", "/ws/match/{user_id}"), ("code", "101")) == 1
                && closed.Single("speaking_open_sockets") == 1;
        })).ShouldBeTrue();

        // The other service saw none of it.
        var bystanderAfter = await ScrapeAsync(bystander.Http);
        Moved(bystanderBefore, bystanderAfter, Counters).ShouldBeEmpty();
        bystanderAfter.Single("speaking_open_sockets").ShouldBe(0);
        bystanderAfter.Single("speaking_online_users").ShouldBe(0);
        bystanderAfter.Sum("http_request_duration_seconds_count", ("endpoint", "/auth/register")).ShouldBe(0);
    }

    [Fact]
    public async Task EveryMetricTheIssueNames_IsExported_WithItsTypeAndLabels()
    {
        await using var host = await TestHost.StartAsync();
        var metrics = await ScrapeAsync(host.Http);

        var expected = new (string Name, string Type, string? Label)[]
        {
            ("http_request_duration_seconds", "histogram", "endpoint"),
            ("speaking_open_sockets", "gauge", null),
            ("speaking_online_users", "gauge", null),
            ("speaking_queue_depth", "gauge", "mode"),
            ("speaking_matchmaking_round_duration_seconds", "histogram", null),
            ("speaking_sessions_started_total", "counter", "mode"),
            ("speaking_sessions_ended_total", "counter", "reason"),
            ("speaking_relayed_messages_total", "counter", "type"),
            ("speaking_refused_messages_total", "counter", "reason"),
            ("speaking_refused_connections_total", "counter", "reason"),
            ("speaking_slow_client_disconnects_total", "counter", null),
            ("speaking_database_errors_total", "counter", "source"),
            ("speaking_log_events_dropped_total", "counter", null),
        };
        foreach (var (name, type, label) in expected)
        {
            metrics.Types.ShouldContainKey(name);
            metrics.Types[name].ShouldBe(type, name);
            if (label is not null && name != "http_request_duration_seconds")
                metrics.Samples.ShouldContain(s => s.Name == name && s.Labels.ContainsKey(label), name);
        }

        // Known label values exist from the start at 0, so a rate or an alert has a series before the first event.
        foreach (var reason in new[] { "ended", "no_reconnect", "blocked", "resume_failed" })
            metrics.Single("speaking_sessions_ended_total", ("reason", reason)).ShouldBe(0);
        metrics.Single("speaking_database_errors_total", ("source", "http")).ShouldBe(0);
    }

    [Fact]
    public async Task WithMetricsToken_OnlyTheRightBearerOpensIt_EvenFromLoopback()
    {
        const string token = "scrape-token-0123456789";
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["METRICS_TOKEN"] = token });

        var none = await host.Http.GetAsync("/metrics");
        await none.ShouldBeUnauthorizedAsync("Not authenticated");
        none.Headers.WwwAuthenticate.ToString().ShouldBe("Bearer");

        foreach (var wrong in new[] { "wrong", token + "x", token[..^1], token.ToUpperInvariant() })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", wrong);
            (await host.Http.SendAsync(request)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, wrong);
        }

        using (var basic = new HttpRequestMessage(HttpMethod.Get, "/metrics"))
        {
            basic.Headers.Authorization = new AuthenticationHeaderValue("Basic", token);
            (await host.Http.SendAsync(basic)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        // The right token works from anywhere, including through a proxy.
        using var right = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        right.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        right.Headers.TryAddWithoutValidation("X-Forwarded-For", "203.0.113.7");
        var opened = await host.Http.SendAsync(right);
        opened.StatusCode.ShouldBe(HttpStatusCode.OK);
        PrometheusText.Parse(await opened.Content.ReadAsStringAsync()).Types.ShouldContainKey("speaking_open_sockets");
    }

    [Theory]
    [InlineData("X-Forwarded-For", "127.0.0.1")]
    [InlineData("X-Forwarded-For", "203.0.113.7, 127.0.0.1")]
    [InlineData("Forwarded", "for=127.0.0.1")]
    [InlineData("X-Real-IP", "127.0.0.1")]
    public async Task WithoutToken_ALoopbackRequestCarryingAForwardingHeader_IsRefused(string header, string value)
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["TRUSTED_PROXIES"] = "127.0.0.1" });
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.TryAddWithoutValidation(header, value);
        await (await host.Http.SendAsync(request)).ShouldBeDetailAsync(HttpStatusCode.Forbidden, LocalOnly);

        (await host.Http.GetAsync("/metrics")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task WithoutToken_ARequestFromANonLoopbackAddress_IsRefused()
    {
        // The service listens on every interface (HOST's default); the client connects through this machine's own
        // non-loopback address, so the service sees a non-loopback peer: a real request, no header involved.
        var address = NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        if (address is null)
        {
            // A machine with loopback only cannot make a non-loopback connection to itself. The next best thing: the
            // peer address as the connection reports it is replaced (no header) before the endpoint runs.
            await using var simulated = await TestHost.StartAsync(mapEndpoints: app => Microsoft.AspNetCore.Builder.UseExtensions.Use(app, (Microsoft.AspNetCore.Http.HttpContext context, Microsoft.AspNetCore.Http.RequestDelegate next) =>
            {
                if (context.Request.Headers.ContainsKey("X-Test-Remote")) context.Connection.RemoteIpAddress = IPAddress.Parse("192.0.2.77");
                return next(context);
            }));
            using var remote = new HttpRequestMessage(HttpMethod.Get, "/metrics");
            remote.Headers.Add("X-Test-Remote", "1");
            await (await simulated.Http.SendAsync(remote)).ShouldBeDetailAsync(HttpStatusCode.Forbidden, LocalOnly);
            (await simulated.Http.GetAsync("/metrics")).StatusCode.ShouldBe(HttpStatusCode.OK);
            return;
        }

        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["HOST"] = "0.0.0.0" });
        using var http = new HttpClient { BaseAddress = new Uri($"http://{address}:{host.App.BoundPort}"), Timeout = TimeSpan.FromSeconds(30) };

        (await http.GetAsync("/health")).StatusCode.ShouldBe(HttpStatusCode.OK);
        await (await http.GetAsync("/metrics")).ShouldBeDetailAsync(HttpStatusCode.Forbidden, LocalOnly);
        (await host.Http.GetAsync("/metrics")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task RestOutage503s_AreCountedAsDatabaseErrors()
    {
        var home = Path.Combine(Path.GetTempPath(), "speaking-metrics-outage-" + Guid.NewGuid().ToString("N"));
        await using var cluster = await Speaking.Infrastructure.Persistence.EmbeddedPostgres.StartAsync(home,
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, fast: true, deleteOnDispose: true);
        await using var host = await TestHost.StartAsync(connectionString: cluster.ConnectionString);
        var ann = await host.RegisterAsync();
        var before = await ScrapeAsync(host.Http);

        await cluster.StopAsync();
        // One through the bearer check (the user lookup), one through a use case (registration).
        (await host.SendAsync(HttpMethod.Get, "/auth/me", ann)).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await host.SendAsync(HttpMethod.Post, "/auth/register", null,
            new { email = $"x{Guid.NewGuid():N}@example.com", password = "secret123", username = "Outage" })).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);

        var during = await ScrapeAsync(host.Http);
        (during.Single("speaking_database_errors_total", ("source", "http")) - before.Single("speaking_database_errors_total", ("source", "http"))).ShouldBe(2);
        during.Sum("http_request_duration_seconds_count", ("endpoint", "/auth/me"), ("code", "503")).ShouldBe(1);
    }
}
