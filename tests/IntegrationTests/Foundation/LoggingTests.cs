using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Foundation;

/// <summary>The real program's console output: one line per request, JSON when asked, never a token, password or query.</summary>
public sealed class LoggingTests
{
    [Fact]
    public async Task RequestLog_HasMethodPathStatus_AndNeverTokensPasswordsOrWebSocketQueries()
    {
        var connectionString = await SharedPostgres.CreateDatabaseAsync();
        var port = ChildProcesses.FreeTcpPort();
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Speaking.Api.dll")])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Path.GetTempPath(),
        };
        start.Environment["DATABASE_URL"] = connectionString;
        start.Environment["PORT"] = port.ToString();
        start.Environment["SECRET_KEY"] = TestHost.Secret;
        start.Environment["LOG_FORMAT"] = "json";
        start.Environment["PASSWORD_HASH_ITERATIONS"] = "1000";
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        string token;
        const string password = "very-secret-password";
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            (await Sessions.EventuallyAsync(async () =>
            {
                try { return (await http.GetAsync("/health")).StatusCode == HttpStatusCode.OK; }
                catch (HttpRequestException) { return false; }
            }, seconds: 60)).ShouldBeTrue();

            var registered = await http.PostAsync("/auth/register", new StringContent(
                $$"""{"email":"logged@example.com","password":"{{password}}","username":"Logged"}""", Encoding.UTF8, "application/json"));
            registered.StatusCode.ShouldBe(HttpStatusCode.Created);
            var body = await registered.ReadJsonAsync();
            token = body.Str("access_token");
            var userId = Guid.Parse(body.GetProperty("user").Str("id"));

            await using (var ws = await WsClient.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/ws/match/{userId}?token={token}")))
            {
                (await ws.DrainAsync()).ShouldBeEmpty();
            }

            using var me = new HttpRequestMessage(HttpMethod.Get, "/auth/me?probe=query-secret");
            me.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            (await http.SendAsync(me)).StatusCode.ShouldBe(HttpStatusCode.OK);
            // The request lines are written when each request completes (the socket's when it closes): wait for both.
            (await Sessions.EventuallyAsync(() =>
            {
                lock (output) return Task.FromResult(output.ToString().Contains("/ws/match/") && output.ToString().Contains("/auth/me"));
            })).ShouldBeTrue();
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        string log;
        lock (output) log = output.ToString();
        log.ShouldContain("/auth/register");
        log.ShouldContain("/ws/match/");
        log.ShouldNotContain(token);
        log.ShouldNotContain(token.Split('.')[2]);
        log.ShouldNotContain(password);
        log.ShouldNotContain("query-secret");
        log.ShouldNotContain("?token=");

        var lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var line in lines) Should.NotThrow(() => JsonDocument.Parse(line), line);
        var requestLine = lines.Select(l => JsonDocument.Parse(l).RootElement)
            .First(e => e.TryGetProperty("Properties", out var p) && p.TryGetProperty("RequestPath", out var path) && path.GetString() == "/auth/register");
        var properties = requestLine.GetProperty("Properties");
        properties.Str("RequestMethod").ShouldBe("POST");
        properties.GetProperty("StatusCode").GetInt32().ShouldBe(201);
        properties.TryGetProperty("Elapsed", out _).ShouldBeTrue();
        // One line per request; the socket's own connect/disconnect lines are debug-level and not written at the default level.
        lines.Count(l => l.Contains("\"/auth/register\"")).ShouldBe(1);
        log.ShouldNotContain(" connected (connection ");
    }

}
