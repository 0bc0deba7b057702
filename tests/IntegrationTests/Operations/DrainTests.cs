using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Operations;

/// <summary>
/// Issue 11, item 5 (amendment A-3): graceful drain on a real SIGTERM to the real program, and what a restart on the
/// same database does with the sessions the drain left waiting. Timing is never asserted; the only bound is the
/// process's exit, which the issue asks for (DRAIN_SECONDS plus a generous margin for a loaded machine).
/// </summary>
public sealed class DrainTests
{
    private const int DrainSeconds = 5;
    private static readonly TimeSpan ExitMargin = TimeSpan.FromSeconds(25);

    private static Dictionary<string, string> Settings(int graceSeconds, int drainSeconds = DrainSeconds) => new()
    {
        ["SESSION_RECONNECT_GRACE_SECONDS"] = graceSeconds.ToString(),
        ["DRAIN_SECONDS"] = drainSeconds.ToString(),
    };

    [Fact]
    public async Task SigTerm_WithAnOpenSession_Closes1001_MarksOffline_StoresDeadlines_ExitsInTime_AndARestartWithinTheGraceKeepsTheCall()
    {
        var database = await SharedPostgres.CreateDatabaseAsync();
        // The grace only has to outlast a process restart; nothing waits for it.
        var settings = Settings(graceSeconds: 120);
        TestUser ann, bob;
        Guid sessionId;
        await using (var first = await ServiceProcess.StartAsync(database, settings))
        {
            ann = await first.RegisterAsync("Ann");
            bob = await first.RegisterAsync("Bob");
            var wa = await first.ConnectAsync(ann);
            var wb = await first.ConnectAsync(bob);
            sessionId = await Sessions.MatchAsync(wa, wb);
            await RelayOfferAsync(wa, wb, ann, bob);
            (await IsOnlineAsync(database, ann)).ShouldBeTrue();

            first.Terminate();

            await wa.Closed.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await wb.Closed.Task.WaitAsync(TimeSpan.FromSeconds(30));
            wa.CloseStatus.ShouldBe(WebSocketCloseStatus.EndpointUnavailable);
            wb.CloseStatus.ShouldBe(WebSocketCloseStatus.EndpointUnavailable);
            (await first.ExitsWithinAsync(TimeSpan.FromSeconds(DrainSeconds) + ExitMargin)).ShouldBeTrue($"still running:\n{first.Output}");
            first.ExitCode.ShouldBe(0, first.Output);
            await wa.DisposeAsync();
            await wb.DisposeAsync();
        }

        // What the drain left in PostgreSQL: both users offline, the call waiting for them with both deadlines stored.
        (await IsOnlineAsync(database, ann)).ShouldBeFalse();
        (await IsOnlineAsync(database, bob)).ShouldBeFalse();
        (await SessionAsync(database, sessionId)).Status.ShouldBe("active");
        var sides = await SidesAsync(database, sessionId);
        sides.Count.ShouldBe(2);
        sides.ShouldAllBe(s => s.Active && s.ConnectionId == null && s.ReconnectDeadline != null);

        // A restart within the grace: start-up recovery keeps the call (its deadlines have not passed).
        await using var second = await ServiceProcess.StartAsync(database, settings);
        (await SessionAsync(database, sessionId)).Status.ShouldBe("active");

        // Both come back: the initiator takes its side over first, then the callee, which restarts the initiator's call.
        await using var ra = await second.ConnectAsync(ann);
        var resumedA = (await ra.WaitForAsync("matched")).GetProperty("data");
        resumedA.Str("session_id").ShouldBe(sessionId.ToString());
        resumedA.Str("partner_id").ShouldBe(bob.IdText);
        await using var rb = await second.ConnectAsync(bob);
        var resumedB = (await rb.WaitForAsync("matched")).GetProperty("data");
        resumedB.Str("session_id").ShouldBe(sessionId.ToString());
        resumedB.Str("partner_id").ShouldBe(ann.IdText);
        await ra.WaitForAsync("session_ended");
        (await ra.WaitForAsync("matched")).GetProperty("data").Str("session_id").ShouldBe(sessionId.ToString());

        await RelayOfferAsync(ra, rb, ann, bob);
        await rb.SendAsync(new { type = "answer", data = new { target_user_id = ann.IdText, data = new { type = "answer", sdp = "v=0" } } });
        var answer = await ra.WaitForAsync("answer");
        answer.Str("from_user_id").ShouldBe(bob.IdText);

        (await SessionAsync(database, sessionId)).Status.ShouldBe("active");
        (await SidesAsync(database, sessionId)).ShouldAllBe(s => s.Active && s.ConnectionId != null && s.ReconnectDeadline == null);
        (await IsOnlineAsync(database, ann)).ShouldBeTrue();
    }

    [Fact]
    public async Task SigTerm_ThenARestartAfterTheDeadline_FindsTheSessionCancelledForNoReconnect()
    {
        var database = await SharedPostgres.CreateDatabaseAsync();
        var settings = Settings(graceSeconds: 2);
        TestUser ann, bob;
        Guid sessionId;
        await using (var first = await ServiceProcess.StartAsync(database, settings))
        {
            ann = await first.RegisterAsync("Ann");
            bob = await first.RegisterAsync("Bob");
            await using var wa = await first.ConnectAsync(ann);
            await using var wb = await first.ConnectAsync(bob);
            sessionId = await Sessions.MatchAsync(wa, wb);

            first.Terminate();
            (await first.ExitsWithinAsync(TimeSpan.FromSeconds(DrainSeconds) + ExitMargin)).ShouldBeTrue($"still running:\n{first.Output}");
            first.ExitCode.ShouldBe(0, first.Output);
            await wa.Closed.Task.WaitAsync(TimeSpan.FromSeconds(30));
            wa.CloseStatus.ShouldBe(WebSocketCloseStatus.EndpointUnavailable);
        }

        (await SessionAsync(database, sessionId)).Status.ShouldBe("active");
        (await SidesAsync(database, sessionId)).ShouldAllBe(s => s.ReconnectDeadline != null);

        // Nothing runs while the node is down; wait (by the database's clock) until both stored deadlines have passed.
        (await Sessions.EventuallyAsync(async () =>
        {
            await using var db = await OpenAsync(database);
            return await db.ExecuteScalarAsync<bool>(
                "SELECT now() > max(reconnect_deadline) FROM session_participants WHERE session_id = @sessionId", new { sessionId });
        }, seconds: 60)).ShouldBeTrue();

        // The start itself ends it (start-up recovery runs before the service listens): no session stays active with nobody in it.
        await using var second = await ServiceProcess.StartAsync(database, settings);
        var session = await SessionAsync(database, sessionId);
        session.Status.ShouldBe("cancelled");
        session.EndReason.ShouldBe("no_reconnect");
        (await SidesAsync(database, sessionId)).ShouldAllBe(s => !s.Active);

        // Coming back finds no call to resume; the user can queue again.
        await using var ra = await second.ConnectAsync(ann);
        (await ra.DrainAsync()).ShouldNotContain(m => m.Type() == "matched");
        await ra.SendAsync(new { type = "join_queue", data = new { mode = "roulette" } });
        await ra.WaitForAsync("queue_joined");
    }

    [Fact]
    public async Task SigTerm_Readiness503First_NewSocketsRefused_ASocketIgnoringTheCloseIsCutOff_AndAnInFlightRequestStillFinishes()
    {
        const int drainSeconds = 20;
        var database = await SharedPostgres.CreateDatabaseAsync();
        await using var service = await ServiceProcess.StartAsync(database, Settings(graceSeconds: 60, drainSeconds));
        var ann = await service.RegisterAsync("Ann");
        var late = await service.RegisterAsync("Late");

        // A client that never reads: it will not answer the close frame, so the drain has to cut it off.
        using var stubborn = new ClientWebSocket();
        await stubborn.ConnectAsync(service.WebSocketUri(ann), CancellationToken.None);
        (await Sessions.EventuallyAsync(() => IsOnlineAsync(database, ann))).ShouldBeTrue();

        // A registration whose body is still arriving when SIGTERM comes: sent a little at a time, over a raw socket.
        var email = $"inflight{Guid.NewGuid():N}@example.com";
        var json = $$"""{"email":"{{email}}","password":"secret123","username":"InFlight"}""";
        var body = Encoding.UTF8.GetBytes(json + new string(' ', 15_500));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, service.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST /auth/register HTTP/1.1\r\nHost: 127.0.0.1:{service.Port}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n"));
        var sent = 0;
        // Keeps the body coming (well above Kestrel's minimum data rate) until the condition holds.
        async Task<bool> TrickleUntilAsync(Func<Task<bool>> condition, int seconds)
        {
            var deadline = DateTime.UtcNow.AddSeconds(seconds);
            while (DateTime.UtcNow < deadline)
            {
                if (await condition()) return true;
                if (sent < body.Length - 1000)
                {
                    await stream.WriteAsync(body.AsMemory(sent, 40));
                    sent += 40;
                }

                await Task.Delay(50);
            }

            return await condition();
        }

        // The request is in the application (its handler is reading the body) before the stop begins.
        (await TrickleUntilAsync(async () => await InProgressAsync(service, "/auth/register") == 1, seconds: 30)).ShouldBeTrue();

        service.Terminate();

        // Readiness turns 503 while the server still answers, and new sockets are refused with 503.
        string readiness = "";
        (await TrickleUntilAsync(async () =>
        {
            var response = await service.Http.GetAsync("/health/ready");
            readiness = await response.Content.ReadAsStringAsync();
            return response.StatusCode == HttpStatusCode.ServiceUnavailable;
        }, seconds: 30)).ShouldBeTrue(service.Output);
        readiness.ShouldBe("""{"status":"draining","database":"unknown"}""");
        using (var refused = new ClientWebSocket())
        {
            refused.Options.CollectHttpResponseDetails = true;
            await Should.ThrowAsync<WebSocketException>(() => refused.ConnectAsync(service.WebSocketUri(late), CancellationToken.None));
            refused.HttpStatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        }

        // The stubborn socket is cut off; then Kestrel stops listening and waits for in-flight requests.
        (await TrickleUntilAsync(async () => !await service.AcceptsConnectionsAsync(), seconds: drainSeconds + 30)).ShouldBeTrue(service.Output);
        sent.ShouldBeLessThan(body.Length);

        await stream.WriteAsync(body.AsMemory(sent));
        var response = await ReadResponseAsync(stream);
        response.ShouldStartWith("HTTP/1.1 201", customMessage: response);
        response.ShouldContain("\"access_token\"");

        (await service.ExitsWithinAsync(TimeSpan.FromSeconds(drainSeconds) + ExitMargin)).ShouldBeTrue($"still running:\n{service.Output}");
        service.ExitCode.ShouldBe(0, service.Output);
        (await IsOnlineAsync(database, ann)).ShouldBeFalse();
        await using var db = await OpenAsync(database);
        (await db.ExecuteScalarAsync<int>("SELECT count(*) FROM users WHERE email = @email", new { email })).ShouldBe(1);
    }

    [Fact]
    public async Task StopRequested_ReadinessIs503Draining_HandshakesAre503_AndOpenSocketsGet1001()
    {
        await using var host = await TestHost.StartAsync();
        var ann = await host.RegisterAsync();
        var bob = await host.RegisterAsync();
        await using var wa = await host.ConnectAsync(ann);
        (await host.Http.GetAsync("/health/ready")).StatusCode.ShouldBe(HttpStatusCode.OK);

        // The host's stop signal alone (what SIGTERM raises first); the in-process host keeps serving, so every answer can be read.
        host.App.Web.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>().StopApplication();

        var ready = await host.Http.GetAsync("/health/ready");
        ready.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await ready.ReadJsonAsync()).Str("status").ShouldBe("draining");
        (await host.Http.GetAsync("/health")).StatusCode.ShouldBe(HttpStatusCode.OK);

        using (var refused = new ClientWebSocket())
        {
            refused.Options.CollectHttpResponseDetails = true;
            await Should.ThrowAsync<WebSocketException>(() => refused.ConnectAsync(host.WebSocketUri(bob.Id, bob.Token), CancellationToken.None));
            refused.HttpStatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        }

        await wa.Closed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        wa.CloseStatus.ShouldBe(WebSocketCloseStatus.EndpointUnavailable);
        (await Sessions.EventuallyAsync(async () => !await host.IsOnlineAsync(ann))).ShouldBeTrue();
    }

    private static async Task RelayOfferAsync(WsClient from, WsClient to, TestUser sender, TestUser target)
    {
        await from.SendAsync(new { type = "offer", data = new { target_user_id = target.IdText, data = new { type = "offer", sdp = "v=0\r\n" } } });
        var offer = await to.WaitForAsync("offer");
        offer.Str("from_user_id").ShouldBe(sender.IdText);
    }

    /// <summary>prometheus-net's in-progress gauge for one route, read from /metrics (direct loopback may scrape).</summary>
    private static async Task<double> InProgressAsync(ServiceProcess service, string route)
    {
        var metrics = PrometheusText.Parse(await service.Http.GetStringAsync("/metrics"));
        return metrics.Sum("http_requests_in_progress", ("endpoint", route));
    }

    /// <summary>Reads one HTTP/1.1 response (headers and a Content-Length body).</summary>
    private static async Task<string> ReadResponseAsync(NetworkStream stream)
    {
        var buffer = new byte[64 * 1024];
        var length = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(length), timeout.Token);
            if (read == 0) break;
            length += read;
            var text = Encoding.UTF8.GetString(buffer, 0, length);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end < 0) continue;
            var header = text[..end].Split("\r\n").FirstOrDefault(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
            if (header is null || Encoding.UTF8.GetByteCount(text[(end + 4)..]) >= int.Parse(header[15..].Trim())) return text;
        }

        return Encoding.UTF8.GetString(buffer, 0, length);
    }

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task<bool> IsOnlineAsync(string database, TestUser user)
    {
        await using var db = await OpenAsync(database);
        return await db.ExecuteScalarAsync<bool>("SELECT is_online FROM users WHERE id = @Id", new { user.Id });
    }

    private sealed record SessionRow(string Status, string? EndReason);

    private static async Task<SessionRow> SessionAsync(string database, Guid sessionId)
    {
        await using var db = await OpenAsync(database);
        return await db.QuerySingleAsync<SessionRow>("SELECT status AS Status, end_reason AS EndReason FROM sessions WHERE id = @sessionId", new { sessionId });
    }

    private sealed record Side(Guid UserId, bool Active, string? ConnectionId, DateTime? ReconnectDeadline);

    private static async Task<List<Side>> SidesAsync(string database, Guid sessionId)
    {
        await using var db = await OpenAsync(database);
        return (await db.QueryAsync<Side>(
            """
            SELECT user_id AS UserId, active AS Active, connection_id AS ConnectionId, reconnect_deadline AS ReconnectDeadline
            FROM session_participants WHERE session_id = @sessionId
            """,
            new { sessionId })).ToList();
    }
}
