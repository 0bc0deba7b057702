using System.Net;
using System.Text;
using System.Text.Json;
using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Speaking.Application.Quorra.Memory;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Quorra;

/// <summary>
/// What holds for the whole /quorra branch: {"error"} for every error the shared middleware writes (404, 405, 413,
/// 429, 500), Speaking untouched, the OpenAPI tag, and no input that makes a 500.
/// </summary>
public sealed class QuorraConventionsTests(QuorraFixture fixture) : IClassFixture<QuorraFixture>
{
    private readonly TestHost _host = fixture.Host;

    [Theory]
    [InlineData("GET", "/quorra/nowhere", HttpStatusCode.NotFound, "Not Found")]
    [InlineData("GET", "/quorra", HttpStatusCode.NotFound, "Not Found")]
    [InlineData("GET", "/quorra/auth/register", HttpStatusCode.MethodNotAllowed, "Method Not Allowed")]
    [InlineData("DELETE", "/quorra/memory/list", HttpStatusCode.MethodNotAllowed, "Method Not Allowed")]
    public async Task RoutingErrors_UnderQuorra_AreErrorBodies(string method, string path, HttpStatusCode status, string error)
    {
        var response = await _host.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        await response.ShouldBeQuorraErrorAsync(status, error);
    }

    [Fact]
    public async Task SpeakingErrors_KeepTheirDetailShape()
    {
        await (await _host.Http.GetAsync("/nowhere")).ShouldBeDetailAsync(HttpStatusCode.NotFound, "Not Found");
        await (await _host.Http.GetAsync("/quorrax")).ShouldBeDetailAsync(HttpStatusCode.NotFound, "Not Found");
        var invalid = await _host.Http.SendAsync(Wire.Raw(HttpMethod.Post, "/auth/register", null, "{bad"));
        await invalid.ShouldBeValidationErrorAsync("json_invalid", "body", 1);
    }

    [Fact]
    public async Task AJsonBodyOverOneMiB_Is413_WithAnErrorBody()
    {
        var user = await _host.QuorraRegisterAsync();
        var request = QuorraSteps.QuorraRequest(HttpMethod.Post, "/settings/update", user, "{\"a\":\"" + new string('x', 1024 * 1024) + "\"}");
        request.Headers.ExpectContinue = true;

        await (await _host.Http.SendAsync(request)).ShouldBeQuorraErrorAsync(HttpStatusCode.RequestEntityTooLarge, "Request body too large");
    }

    [Fact]
    public async Task OpenApi_DocumentsTheQuorraRoutes_UnderTheirOwnTag()
    {
        var response = await _host.Http.GetAsync("/openapi.json");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var document = await response.ReadJsonAsync();
        var paths = document.GetProperty("paths");

        string[] expected =
        [
            "/quorra/auth/register", "/quorra/auth/login", "/quorra/memory/save", "/quorra/memory/list", "/quorra/media/upload", "/quorra/media/my",
            "/quorra/media/{id}/file", "/quorra/command/save", "/quorra/command/recent", "/quorra/notifications/create", "/quorra/notifications/list",
            "/quorra/notifications/{id}/read", "/quorra/settings", "/quorra/settings/update", "/quorra/system/volume", "/quorra/system/alarm",
            "/quorra/system/wifi", "/quorra/offline/queue",
        ];
        foreach (var path in expected)
        {
            paths.TryGetProperty(path, out var item).ShouldBeTrue(path);
            foreach (var operation in item.EnumerateObject())
                operation.Value.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ShouldBe(["Quorra"], path);
        }

        var queue = paths.GetProperty("/quorra/offline/queue");
        queue.TryGetProperty("get", out _).ShouldBeTrue();
        var request = queue.GetProperty("post").GetProperty("requestBody").GetProperty("content").GetProperty("application/json")
            .GetProperty("schema").GetProperty("properties");
        request.Keys().ShouldBe(["clientId", "content", "inputType", "mood", "response"]);
        var command = document.GetProperty("components").GetProperty("schemas").GetProperty("CommandView").GetProperty("properties");
        command.Keys().ShouldBe(["content", "createdAt", "id", "inputType", "mood", "response", "user"]);
        paths.GetProperty("/quorra/media/upload").GetProperty("post").GetProperty("requestBody").GetProperty("content")
            .TryGetProperty("multipart/form-data", out _).ShouldBeTrue();
        paths.TryGetProperty("/auth/register", out var speaking).ShouldBeTrue();
        speaking.GetProperty("post").TryGetProperty("tags", out var speakingTags).ShouldBeTrue();
        speakingTags.EnumerateArray().Select(t => t.GetString()).ShouldNotContain("Quorra");
    }

    [Fact]
    public async Task NoInput_MakesA500_OrAnythingButAnErrorBody()
    {
        var user = await _host.QuorraRegisterAsync();
        string[] routes =
        [
            "/auth/register", "/auth/login", "/memory/save", "/media/upload", "/command/save", "/notifications/create", "/settings/update",
            "/offline/queue", "/system/volume", "/system/alarm", "/system/wifi",
        ];
        string[] fields = ["username", "password", "context", "mood", "tags", "title", "type", "url", "duration", "inputType", "content", "response",
            "body", "scheduledAt", "clientId", "level", "at", "enabled"];
        var value = Gen.OneOf(
            Gen.String.Select(s => JsonSerializer.Serialize(s)),
            Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "1e999"),
            Gen.Long.Select(l => l.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            Gen.Const("true"), Gen.Const("null"), Gen.Const("[]"), Gen.Const("{}"), Gen.Const("[\"a\",1]"), Gen.Const("\"\\u0000\""),
            Gen.Const("\"\\ud800\""), Gen.Const("\"2030-01-01T00:00:00Z\""), Gen.Const("\"audio\""), Gen.Const("\"text\""), Gen.Const("50"));
        var pair = Gen.Select(Gen.OneOf(fields), value, (field, v) => JsonSerializer.Serialize(field) + ":" + v);
        var obj = Gen.Select(pair, pair, pair, pair, Gen.Int[0, 4], (a, b, c, d, n) => "{" + string.Join(",", new[] { a, b, c, d }.Take(n)) + "}");
        var body = Gen.OneOf<string>(obj, obj, obj, Gen.String, Gen.Const("{\"a\":"), Gen.Const("[]"), Gen.Const("\"text\""), Gen.Const("{\"a\":{\"b\":[[[[[]]]]]}}"));

        var failures = new List<string>();
        await Gen.Select(Gen.OneOf(routes), body).SampleAsync(async (route, text) =>
        {
            var response = await _host.QuorraAsync(HttpMethod.Post, route, user, text, new Dictionary<string, string> { ["x-root-pin"] = QuorraSteps.RootPin });
            var status = (int)response.StatusCode;
            var answer = await response.Content.ReadAsStringAsync();
            if (status >= 500) failures.Add($"{route} {text} -> {status} {answer}");
            else if (status >= 400)
            {
                try
                {
                    using var json = JsonDocument.Parse(answer);
                    if (json.RootElement.ValueKind != JsonValueKind.Object || !json.RootElement.TryGetProperty("error", out _))
                        failures.Add($"{route} {text} -> {status} {answer}");
                }
                catch (JsonException)
                {
                    failures.Add($"{route} {text} -> {status} not JSON: {answer}");
                }
            }
        }, iter: 400, threads: 1);

        failures.ShouldBeEmpty();
    }

    [Fact]
    public async Task NoMultipartBody_MakesA500()
    {
        var user = await _host.QuorraRegisterAsync();
        var part = Gen.OneOf(
            Gen.Const("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.mp3\"\r\nContent-Type: audio/mpeg\r\n\r\nabc\r\n"),
            Gen.Const("--b\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhello\r\n"),
            Gen.Const("--b\r\nContent-Disposition: form-data; name=\"duration\"\r\n\r\nNaN\r\n"),
            Gen.Const("--b\r\nContent-Disposition: form-data; name=\"tags\"\r\n\r\n\u0000\r\n"),
            Gen.Const("--b--\r\n"), Gen.Const("--b"), Gen.Const("\r\n"), Gen.String);
        var body = Gen.Select(part, part, part, Gen.Int[1, 3], (a, b, c, n) => string.Concat(new[] { a, b, c }.Take(n)));
        var contentType = Gen.OneOf("multipart/form-data; boundary=b", "multipart/form-data", "multipart/form-data; boundary=");

        var failures = new List<string>();
        await Gen.Select(contentType, body).SampleAsync(async (type, text) =>
        {
            var request = QuorraSteps.QuorraRequest(HttpMethod.Post, "/media/upload", user);
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
            request.Content.Headers.TryAddWithoutValidation("Content-Type", type);
            var response = await _host.Http.SendAsync(request);
            if ((int)response.StatusCode >= 500 || (!response.IsSuccessStatusCode && !(await response.Content.ReadAsStringAsync()).Contains("\"error\"")))
                failures.Add($"{type} {text} -> {(int)response.StatusCode}");
        }, iter: 200, threads: 1);

        failures.ShouldBeEmpty();
    }
}

/// <summary>The shared registration limit and the unexpected-failure handler answer in Quorra's shape under /quorra.</summary>
public sealed class QuorraSharedMiddlewareTests : HostPerTest
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["REGISTER_MAX_PER_ADDRESS"] = "2" };

    protected override Action<IServiceCollection>? ReplaceServices => services => services.AddSingleton<IMemoryRepository, BrokenMemories>();

    [Fact]
    public async Task TheRegistrationLimit_Is429WithAnErrorBody_UnderQuorra_AndADetailBodyForSpeaking()
    {
        await Host.QuorraRegisterAsync();
        await Host.QuorraRegisterAsync();

        await (await Host.QuorraAsync(HttpMethod.Post, "/auth/register", null, new { username = "third-user", password = "secret123" }))
            .ShouldBeQuorraErrorAsync(HttpStatusCode.TooManyRequests, "Too many registration attempts");
        var speaking = await Host.Http.PostAsync("/auth/register", new StringContent("""{"email":"x@example.com","password":"secret123","username":"xx"}""",
            Encoding.UTF8, "application/json"));
        await speaking.ShouldBeDetailAsync(HttpStatusCode.TooManyRequests, "Too many registration attempts");
    }

    [Fact]
    public async Task AnUnexpectedFailure_Is500WithAnErrorBody()
    {
        var user = await Host.QuorraRegisterAsync();

        await (await Host.QuorraAsync(HttpMethod.Get, "/memory/list", user)).ShouldBeQuorraErrorAsync(HttpStatusCode.InternalServerError, "Internal Server Error");
    }

    private sealed class BrokenMemories : IMemoryRepository
    {
        public Task AddAsync(MemorySnapshotView snapshot, CancellationToken ct) => throw new InvalidOperationException("broken on purpose");

        public Task<IReadOnlyList<MemorySnapshotView>> ListActiveAsync(Guid userId, CancellationToken ct) => throw new InvalidOperationException("broken on purpose");
    }
}

/// <summary>The watchdog: a suspicious request is logged with its address; a flood from one address gives one line, not one per request.</summary>
public sealed class QuorraWatchdogTests : HostPerTest
{
    private readonly LogCapture _logs = new();

    protected override Action<IServiceCollection>? ReplaceServices => services => services.AddSingleton<ILoggerProvider>(_logs);

    [Fact]
    public async Task AFloodOfSuspiciousRequests_GivesOneLogLinePerAddressPerMinute()
    {
        for (var i = 0; i < 50; i++)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, i % 2 == 0 ? "/quorra/memory/list" : "/quorra/nowhere");
            request.Headers.Add("x-robot-attack", "true");
            await Host.Http.SendAsync(request);
        }

        var plain = new HttpRequestMessage(HttpMethod.Get, "/quorra/memory/list");
        plain.Headers.Add("x-robot-attack", "false");
        (await Host.Http.SendAsync(plain)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        var lines = _logs.Lines.Where(l => l.Contains("Suspicious request")).ToList();
        lines.Count.ShouldBe(1, string.Join("\n", lines));
        lines[0].ShouldContain("127.0.0.1");
        lines[0].ShouldContain(": 1 since the previous line");
    }

    private sealed class LogCapture : ILoggerProvider
    {
        private readonly List<string> _lines = [];

        public IReadOnlyList<string> Lines
        {
            get { lock (_lines) return _lines.ToArray(); }
        }

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose() { }

        private sealed class Logger(LogCapture owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (!IsEnabled(logLevel)) return;
                lock (owner._lines) owner._lines.Add(formatter(state, exception));
            }
        }
    }
}
