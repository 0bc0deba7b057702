using System.Net;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging.Abstractions;
using Speaking.Infrastructure.Persistence;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Hardening;

/// <summary>
/// Issue 12, item 10: PostgreSQL stops while the service runs. Liveness stays 200 and never touches the database or
/// authentication; readiness is 503; REST calls that need the database are 503 with Retry-After; a WebSocket
/// handshake is refused with 503; an open socket gets an error and stays open; when PostgreSQL is back, everything
/// works again without restarting the service. The test stops a cluster of its own, never the shared one.
/// </summary>
public sealed class DatabaseOutageTests : IAsyncLifetime
{
    private const string Unavailable = "Service temporarily unavailable";
    private readonly LogSink _log = new();
    private EmbeddedPostgres _cluster = null!;
    private TestHost _host = null!;

    public async Task InitializeAsync()
    {
        var home = Path.Combine(Path.GetTempPath(), "speaking-outage-" + Guid.NewGuid().ToString("N"));
        _cluster = await EmbeddedPostgres.StartAsync(home, NullLogger.Instance, fast: true, deleteOnDispose: true);
        _host = await TestHost.StartAsync(connectionString: _cluster.ConnectionString, replaceServices: _log.AddTo);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _cluster.DisposeAsync();
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, TestUser? user = null, string? body = null,
        string contentType = "application/json") =>
        Refusals.RawRequest(method, path, body is null ? null : System.Text.Encoding.UTF8.GetBytes(body), contentType, user?.Token);

    private async Task ShouldBeUnavailableAsync(HttpRequestMessage request)
    {
        var response = await _host.Http.SendAsync(request);
        var body = await response.ShouldHaveTheContractShapeAsync($"{request.Method} {request.RequestUri}");
        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        body.Str("detail").ShouldBe(Unavailable);
        response.Headers.RetryAfter.ShouldNotBeNull();
        response.Headers.RetryAfter!.Delta!.Value.ShouldBeGreaterThan(TimeSpan.Zero);
    }

    [Fact]
    public async Task WhilePostgresIsDown_TheServiceAnswers503AndKeepsSockets_AndRecoversByItself()
    {
        var ann = await _host.RegisterAsync();
        var bob = await _host.RegisterAsync();
        await using var annSocket = await _host.ConnectAsync(ann);
        (await annSocket.DrainAsync()).ShouldBeEmpty();

        await _cluster.StopAsync();
        var outageLog = _log.Mark();

        // Liveness: never the database, never authentication, with or without a bearer token.
        (await _host.Http.SendAsync(Request(HttpMethod.Get, "/health"))).StatusCode.ShouldBe(HttpStatusCode.OK);
        var liveWithToken = await _host.Http.SendAsync(Request(HttpMethod.Get, "/health", ann));
        liveWithToken.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await liveWithToken.ReadJsonAsync()).Str("status").ShouldBe("healthy");
        (await _host.Http.SendAsync(Request(HttpMethod.Get, "/health", bob with { Token = "not-a-token" }))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await _host.Http.SendAsync(Request(HttpMethod.Get, "/"))).StatusCode.ShouldBe(HttpStatusCode.OK);

        // Readiness: 503, with or without a token.
        (await _host.Http.SendAsync(Request(HttpMethod.Get, "/health/ready"))).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await _host.Http.SendAsync(Request(HttpMethod.Get, "/health/ready", ann))).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);

        // REST that needs the database: 503 with Retry-After and CORS headers.
        await ShouldBeUnavailableAsync(Request(HttpMethod.Get, "/auth/me", ann));
        await ShouldBeUnavailableAsync(Request(HttpMethod.Get, "/users?online_only=true", ann));
        await ShouldBeUnavailableAsync(Request(HttpMethod.Get, "/partners/", ann));
        await ShouldBeUnavailableAsync(Request(HttpMethod.Post, "/queue/roulette", ann));
        await ShouldBeUnavailableAsync(Request(HttpMethod.Post, "/auth/login", body: $"username={Uri.EscapeDataString(ann.Email)}&password={ann.Password}",
            contentType: "application/x-www-form-urlencoded"));
        await ShouldBeUnavailableAsync(Request(HttpMethod.Post, "/auth/register",
            body: $$"""{"email":"new{{Guid.NewGuid():N}}@example.com","password":"secret123","username":"New"}"""));

        // What does not need the database keeps its usual answer.
        var anonymous = await _host.Http.SendAsync(Request(HttpMethod.Get, "/auth/me"));
        await anonymous.ShouldBeUnauthorizedAsync("Not authenticated");
        (await _host.Http.SendAsync(Request(HttpMethod.Post, "/auth/register", body: "{"))).StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);

        // A WebSocket handshake is refused with 503 before the upgrade.
        var refused = await Should.ThrowAsync<WebSocketException>(() => _host.ConnectAsync(bob));
        refused.Message.ShouldContain("503");

        // The socket opened before the outage: an error for what needs the database, pong for ping, still open.
        await annSocket.SendAsync(new { type = "join_queue", data = new { mode = "roulette" } });
        (await annSocket.NextAsync()).GetRawText().ShouldBe($$"""{"type":"error","message":"{{Unavailable}}"}""");
        await annSocket.SendAsync(new { type = "leave_queue" });
        (await annSocket.NextAsync()).GetRawText().ShouldBe($$"""{"type":"error","message":"{{Unavailable}}"}""");
        (await annSocket.DrainAsync()).ShouldBeEmpty();
        annSocket.Socket.State.ShouldBe(WebSocketState.Open);

        // The outage is logged in single lines (a warning per refused request or skipped matchmaking round), never
        // as stack traces.
        var logged = _log.Entries.Skip(outageLog).ToList();
        logged.ShouldNotBeEmpty();
        logged.Where(e => e.Lines > 1).ShouldBeEmpty(string.Join("\n", logged.Where(e => e.Lines > 1).Take(3)));

        await _cluster.RestartAsync();

        // Recovery without restarting the service (and without clearing any pool by hand).
        (await Sessions.EventuallyAsync(async () =>
            (await _host.Http.SendAsync(Request(HttpMethod.Get, "/auth/me", ann))).StatusCode == HttpStatusCode.OK, seconds: 60)).ShouldBeTrue();
        (await Sessions.EventuallyAsync(async () =>
            (await _host.Http.SendAsync(Request(HttpMethod.Get, "/health/ready"))).StatusCode == HttpStatusCode.OK, seconds: 60)).ShouldBeTrue();
        (await _host.Http.SendAsync(Request(HttpMethod.Get, "/partners/", ann))).StatusCode.ShouldBe(HttpStatusCode.OK);

        await annSocket.SendAsync(new { type = "join_queue", data = new { mode = "roulette" } });
        (await annSocket.WaitForAsync("queue_joined")).GetProperty("data").Str("mode").ShouldBe("roulette");

        await using var bobSocket = await _host.ConnectAsync(bob);
        (await bobSocket.DrainAsync()).ShouldBeEmpty();
        (await _host.IsOnlineAsync(bob)).ShouldBeTrue();
    }
}
