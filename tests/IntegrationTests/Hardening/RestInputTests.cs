using System.Net;
using System.Net.Sockets;
using System.Text;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Hardening;

/// <summary>
/// Issue 12, items 1–6 and 9 on REST: input a careless client or an attacker sends is refused in the contract's shape
/// (422 list, 413 or 401 with <c>{"detail"}</c>), with CORS headers, never as a 500.
/// </summary>
public sealed class RestInputTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private readonly TestHost _host = fixture.Host;

    private static string Register(string username = "Ann", string extra = "") =>
        $$"""{"email":"user{{Guid.NewGuid():N}}@example.com","password":"secret123","username":"{{username}}"{{extra}}}""";

    private Task<HttpResponseMessage> Send(HttpMethod method, string path, byte[] body, string contentType = "application/json", string? token = null) =>
        _host.Http.SendAsync(Refusals.RawRequest(method, path, body, contentType, token));

    private Task<HttpResponseMessage> Send(HttpMethod method, string path, string body, string contentType = "application/json", string? token = null) =>
        Send(method, path, Encoding.UTF8.GetBytes(body), contentType, token);

    // Item 1: lone surrogates (valid JSON syntax, not valid Unicode).

    public static TheoryData<string> LoneSurrogateBodies => new()
    {
        Register("\\ud800x"),
        Register("x\\udfff"),
        Register(extra: ",\"\\ud800\":1"),
        Register(extra: ",\"current_level\":\"\\udc00\""),
        Register(extra: ",\"nested\":{\"a\":[\"\\ud800\"]}"),
    };

    [Theory]
    [MemberData(nameof(LoneSurrogateBodies))]
    public async Task LoneSurrogate_InARegisterBody_IsJsonInvalid(string body)
    {
        var item = await (await Send(HttpMethod.Post, "/auth/register", body)).ShouldBe422Async("json_invalid", "body");
        item.Str("msg").ShouldBe("JSON decode error");
    }

    [Fact]
    public async Task LoneSurrogate_InOtherJsonBodies_IsJsonInvalid()
    {
        var user = await _host.RegisterAsync();

        await (await Send(HttpMethod.Patch, $"/users/{user.Id}", """{"username":"\ud800ab"}""", token: user.Token))
            .ShouldBe422Async("json_invalid", "body");
        await (await Send(HttpMethod.Post, "/partners/request", """{"to_user_id":"\ud800"}""", token: user.Token))
            .ShouldBe422Async("json_invalid", "body");
        await (await Send(HttpMethod.Post, "/queue/level-filter", """{"level_filter":6.5,"\udbff":"x"}""", token: user.Token))
            .ShouldBe422Async("json_invalid", "body");
    }

    // Item 2: invalid UTF-8.

    public static TheoryData<byte[]> InvalidUtf8 => new()
    {
        new byte[] { 0xFF, 0xFE },
        new byte[] { 0xC0, 0x80 },            // overlong NUL
        new byte[] { 0xED, 0xA0, 0x80 },      // an encoded surrogate
        new byte[] { 0xE2, 0x82 },            // truncated sequence
    };

    [Theory]
    [MemberData(nameof(InvalidUtf8))]
    public async Task InvalidUtf8_InAStringOfARegisterBody_IsJsonInvalid(byte[] bad)
    {
        byte[] body = [.. "{\"email\":\"a@example.com\",\"password\":\"secret123\",\"username\":\"A"u8, .. bad, .. "nn\"}"u8];

        await (await Send(HttpMethod.Post, "/auth/register", body)).ShouldBe422Async("json_invalid", "body");
    }

    [Fact]
    public async Task InvalidUtf8_InAKeyName_IsJsonInvalid()
    {
        byte[] body = [.. "{\"email\":\"a@example.com\",\"pass"u8, 0xFF, .. "\":\"secret123\"}"u8];

        await (await Send(HttpMethod.Post, "/auth/register", body)).ShouldBe422Async("json_invalid", "body");
    }

    [Fact]
    public async Task InvalidUtf8_AfterTheJsonValue_IsJsonInvalid()
    {
        // Found by the REST fuzz: bytes after the value were never read by the parser, then crashed the text check.
        byte[] body = [.. "{\"username\":null}"u8, 0xF8, 0x88, 0x80, 0x80, 0x80];

        await (await Send(HttpMethod.Post, "/auth/register", body)).ShouldBe422Async("json_invalid", "body");
    }

    [Fact]
    public async Task TextAfterTheJsonValue_IsJsonInvalid() =>
        await (await Send(HttpMethod.Post, "/auth/register", Register() + " {}")).ShouldBe422Async("json_invalid", "body");

    // Item 3: NUL characters are refused before they reach PostgreSQL.

    [Theory]
    [InlineData("A\\u0000nn")]
    [InlineData("\\u0000\\u0000")]
    public async Task Nul_InARegisteredUsername_IsValueError422(string username)
    {
        var response = await Send(HttpMethod.Post, "/auth/register", Register(username));

        var item = await response.ShouldBe422Async("value_error", "body", "username");
        item.Str("msg").ShouldContain("NUL");
    }

    [Fact]
    public async Task Nul_InAnEmail_Is422()
    {
        await (await Send(HttpMethod.Post, "/auth/register", """{"email":"a\u0000b@example.com","password":"secret123","username":"Ann"}"""))
            .ShouldBe422Async("value_error", "body", "email");
    }

    [Fact]
    public async Task Nul_InAPatchedUsername_Is422_AndTheNameIsUnchanged()
    {
        var user = await _host.RegisterAsync("Before");

        await (await Send(HttpMethod.Patch, $"/users/{user.Id}", """{"username":"Af\u0000ter"}""", token: user.Token))
            .ShouldBe422Async("value_error", "body", "username");

        (await (await _host.SendAsync(HttpMethod.Get, "/auth/me", user)).ReadJsonAsync()).Str("username").ShouldBe("Before");
    }

    [Fact]
    public async Task Nul_InASearchTerm_Is422()
    {
        var user = await _host.RegisterAsync();

        await (await _host.Http.SendAsync(Refusals.RawRequest(HttpMethod.Get, "/partners/search?q=ab%00cd", (byte[]?)null, null, user.Token)))
            .ShouldBe422Async("value_error", "query", "q");
    }

    [Fact]
    public async Task Nul_InALoginForm_Is422()
    {
        var response = await Send(HttpMethod.Post, "/auth/login", "username=a%00b%40example.com&password=secret123",
            "application/x-www-form-urlencoded");

        await response.ShouldBeAContractAnswerAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
    }

    // Item 4: numbers out of double's range.

    [Theory]
    [InlineData(",\"current_level\":1e400")]
    [InlineData(",\"target_score\":-1e400")]
    [InlineData(",\"current_level\":123456789012345678901234567890e999")]
    public async Task OutOfRangeNumber_ForALevel_IsFiniteNumber422(string extra)
    {
        var response = await Send(HttpMethod.Post, "/auth/register", Register(extra: extra));

        var item = await response.ShouldBe422Async("finite_number", "body");
        item.Str("msg").ShouldBe("Input should be a finite number");
    }

    [Fact]
    public async Task OutOfRangeNumber_WhereAStringBelongs_Is422()
    {
        await (await Send(HttpMethod.Post, "/auth/register", """{"email":"a@example.com","password":"secret123","username":1e400}"""))
            .ShouldBe422Async("string_type", "body", "username");
    }

    [Fact]
    public async Task OutOfRangeNumber_InOtherBodies_Is422()
    {
        var user = await _host.RegisterAsync();

        await (await Send(HttpMethod.Post, "/queue/level-filter", """{"level_filter":1e400}""", token: user.Token))
            .ShouldBe422Async("finite_number", "body", "level_filter");
        await (await Send(HttpMethod.Patch, $"/users/{user.Id}", """{"target_score":-1e309}""", token: user.Token))
            .ShouldBe422Async("finite_number", "body", "target_score");
        await (await Send(HttpMethod.Post, "/partners/request", """{"to_user_id":1e400}""", token: user.Token))
            .ShouldBe422Async("uuid_type", "body", "to_user_id");
    }

    // Item 5: oversized bodies are 413 {"detail":"Request body too large"} with CORS headers.

    [Theory]
    [InlineData("/auth/register")]
    [InlineData("/auth/login")]
    public async Task OversizedBody_Is413(string path)
    {
        var padding = new string('a', 100 * 1024);
        var response = path == "/auth/login"
            ? await Send(HttpMethod.Post, path, $"username=a%40example.com&password=x&pad={padding}", "application/x-www-form-urlencoded")
            : await Send(HttpMethod.Post, path, Register(extra: $",\"pad\":\"{padding}\""));

        var body = await response.ShouldBeAContractAnswerAsync(path);
        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        body.Str("detail").ShouldBe("Request body too large");
    }

    [Fact]
    public async Task OversizedBody_OfAnAuthenticatedEndpoint_Is413()
    {
        var user = await _host.RegisterAsync();
        var response = await Send(HttpMethod.Patch, $"/users/{user.Id}", $$"""{"username":"{{new string('b', 64 * 1024)}}"}""", token: user.Token);

        (await response.ShouldBeAContractAnswerAsync()).Str("detail").ShouldBe("Request body too large");
        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task BodyDeclaredOver30MB_Is413_BeforeItIsSent()
    {
        // Only the head is sent: Kestrel judges the declared Content-Length, so the test never uploads 31 MB.
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", _host.BaseUri.Port);
        var stream = client.GetStream();
        var head = $"POST /auth/register HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: {Refusals.Origin}\r\nContent-Type: application/json\r\n" +
                   $"Content-Length: {31 * 1024 * 1024}\r\n\r\n{{\"email\":";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));

        using var reader = new StreamReader(stream, Encoding.UTF8);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var statusLine = await reader.ReadLineAsync(timeout.Token);
        statusLine.ShouldBe("HTTP/1.1 413 Payload Too Large");
        var rest = await reader.ReadToEndAsync(timeout.Token); // Kestrel closes the connection after refusing the body
        rest.ShouldContain($"Access-Control-Allow-Origin: {Refusals.Origin}");
        rest.ShouldContain("""{"detail":"Request body too large"}""");
    }

    // Item 6: malformed login forms are 422 in the contract's shape.

    public static TheoryData<string, string> MalformedForms => new()
    {
        { "multipart/form-data", "username=a%40example.com&password=secret123" },                      // no boundary
        { "multipart/form-data; boundary=", "x" },                                                    // empty boundary
        { "multipart/form-data; boundary=" + new string('b', 80), "x" },                              // boundary too long
        { "multipart/form-data; boundary=XYZ", "garbage that is not multipart" },                    // body not multipart
        { "multipart/form-data; boundary=XYZ", "--XYZ\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\na" }, // cut off
        { "application/x-www-form-urlencoded", string.Concat(Enumerable.Range(0, 1100).Select(i => $"f{i}=1&")) + "username=a&password=b" },
    };

    [Theory]
    [MemberData(nameof(MalformedForms))]
    public async Task MalformedLoginForm_Is422(string contentType, string body)
    {
        var response = await Send(HttpMethod.Post, "/auth/login", body, contentType);

        await response.ShouldBeAContractAnswerAsync(contentType);
        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
    }

    [Theory]
    [InlineData("username=a%40example.com&username=b%40example.com&password=secret123", "username")]
    [InlineData("username=a%40example.com&password=secret123&password=other", "password")]
    public async Task RepeatedLoginField_IsStringType422(string body, string field)
    {
        await (await Send(HttpMethod.Post, "/auth/login", body, "application/x-www-form-urlencoded"))
            .ShouldBe422Async("string_type", "body", field);
    }

    [Fact]
    public async Task WellFormedLogin_StillWorks()
    {
        var user = await _host.RegisterAsync();
        var response = await Send(HttpMethod.Post, "/auth/login", $"username={Uri.EscapeDataString(user.Email)}&password={user.Password}",
            "application/x-www-form-urlencoded");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    // Item 9: nbf is honoured with a small clock skew.

    [Fact]
    public async Task TokenNotValidYet_Is401_AndOneWithinTheSkewIsAccepted()
    {
        var user = await _host.RegisterAsync();
        var future = Wire.MintToken(new { sub = user.IdText, exp = Wire.UnixIn(TimeSpan.FromHours(2)), nbf = Wire.UnixIn(TimeSpan.FromHours(1)) });
        var nearlyNow = Wire.MintToken(new { sub = user.IdText, exp = Wire.UnixIn(TimeSpan.FromHours(2)), nbf = Wire.UnixIn(TimeSpan.FromSeconds(10)) });
        var past = Wire.MintToken(new { sub = user.IdText, exp = Wire.UnixIn(TimeSpan.FromHours(2)), nbf = Wire.UnixIn(TimeSpan.FromHours(-1)) });

        await (await _host.Http.SendAsync(Wire.Raw(HttpMethod.Get, "/auth/me", "Bearer " + future)))
            .ShouldBeUnauthorizedAsync("Could not validate credentials");
        (await _host.Http.SendAsync(Wire.Raw(HttpMethod.Get, "/auth/me", "Bearer " + nearlyNow))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await _host.Http.SendAsync(Wire.Raw(HttpMethod.Get, "/auth/me", "Bearer " + past))).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task TokenNotValidYet_IsRefusedAtTheWebSocketHandshake()
    {
        var user = await _host.RegisterAsync();
        var future = Wire.MintToken(new { sub = user.IdText, exp = Wire.UnixIn(TimeSpan.FromHours(2)), nbf = Wire.UnixIn(TimeSpan.FromHours(1)) });

        var refused = await Should.ThrowAsync<System.Net.WebSockets.WebSocketException>(() => WsClient.ConnectAsync(_host.WebSocketUri(user.Id, future)));
        refused.Message.ShouldContain("403");
    }

    // Afterwards the service still answers normally.

    [Fact]
    public async Task AfterHostileInput_TheServiceAnswersNormally()
    {
        await Send(HttpMethod.Post, "/auth/register", Register("\\ud800"));
        await Send(HttpMethod.Post, "/auth/register", Register(extra: ",\"current_level\":1e400"));

        var user = await _host.RegisterAsync();
        (await _host.SendAsync(HttpMethod.Get, "/auth/me", user)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await _host.Http.GetAsync("/health")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
