using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Speaking.Infrastructure.Quorra;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Quorra;

/// <summary>Quorra accounts and tokens: register, login, the original's 403/401 texts, and the wall between Quorra and Speaking tokens.</summary>
public sealed class QuorraAuthTests(QuorraFixture fixture) : IClassFixture<QuorraFixture>
{
    private readonly TestHost _host = fixture.Host;

    [Fact]
    public async Task Register_Is201WithMessageAndStringUserId_AndStoresAHashedPassword()
    {
        var username = "ann" + Guid.NewGuid().ToString("N")[..8];
        var response = await _host.QuorraAsync(HttpMethod.Post, "/auth/register", null, new { username, password = "secret123" });

        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, body);
        var json = JsonDocument.Parse(body).RootElement;
        json.Keys().ShouldBe(["message", "userId"]);
        json.Str("message").ShouldBe("User registered");
        Guid.TryParse(json.Str("userId"), out _).ShouldBeTrue();

        await using var db = await _host.OpenDbAsync();
        var hash = await db.ExecuteScalarAsync<string>("SELECT password_hash FROM quorra_users WHERE id = @id", new { id = Guid.Parse(json.Str("userId")) });
        hash.ShouldNotBeNullOrEmpty();
        hash.ShouldNotContain("secret123");
        (await db.ExecuteScalarAsync<int>("SELECT count(*) FROM users WHERE username = @username", new { username })).ShouldBe(0);
    }

    [Fact]
    public async Task Register_TakenUsername_InAnyCase_Is409()
    {
        var user = await _host.QuorraRegisterAsync();

        var again = await _host.QuorraAsync(HttpMethod.Post, "/auth/register", null, new { username = user.Username.ToUpperInvariant(), password = "other-pass" });

        await again.ShouldBeQuorraErrorAsync(HttpStatusCode.Conflict, "Username already taken");
    }

    [Theory]
    [InlineData("""{"password":"secret123"}""", "username is required")]
    [InlineData("""{"username":"annie"}""", "password is required")]
    [InlineData("""{"username":"annie","password":"123"}""", "password must be at least 6 characters")]
    [InlineData("""{"username":42,"password":"secret123"}""", "username must be a string")]
    [InlineData("""{"username":"ab","password":"secret123"}""", "username must be at least 3 characters")]
    [InlineData("""{"username":" annie","password":"secret123"}""", "username must not start or end with spaces or hold control characters")]
    [InlineData("", "username is required")]
    [InlineData("{not json", "The request body is not valid JSON")]
    [InlineData("[1,2]", "The request body must be a JSON object")]
    [InlineData("""{"username":"an\u0000nie","password":"secret123"}""", "Text in the request must be valid Unicode without NUL characters")]
    public async Task Register_BadInput_Is400WithTheFirstProblem(string body, string error)
    {
        var response = await _host.QuorraAsync(HttpMethod.Post, "/auth/register", null, body.Length == 0 ? null : body);

        await response.ShouldBeQuorraErrorAsync(HttpStatusCode.BadRequest, error);
    }

    [Fact]
    public async Task Login_GivesASevenDayTokenWithClaimIdAndAudienceQuorra()
    {
        var user = await _host.QuorraRegisterAsync();

        var payload = Payload(user.Token);

        payload.Str("id").ShouldBe(user.Id);
        payload.Str("aud").ShouldBe("quorra");
        (payload.GetProperty("exp").GetInt64() - payload.GetProperty("iat").GetInt64()).ShouldBe(7 * 24 * 3600);
        payload.TryGetProperty("sub", out _).ShouldBeFalse();
    }

    [Fact]
    public async Task Login_AcceptsTheUsernameInAnyCase()
    {
        var user = await _host.QuorraRegisterAsync();

        var response = await _host.QuorraAsync(HttpMethod.Post, "/auth/login", null, new { username = user.Username.ToUpperInvariant(), password = user.Password });

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.ReadJsonAsync()).Keys().ShouldBe(["token"]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Login_WrongPasswordOrUnknownUser_Is401InvalidCredentials(bool knownUser)
    {
        var user = await _host.QuorraRegisterAsync();

        var response = await _host.QuorraAsync(HttpMethod.Post, "/auth/login", null,
            new { username = knownUser ? user.Username : "nobody" + Guid.NewGuid().ToString("N")[..6], password = knownUser ? "wrong-pass" : user.Password });

        await response.ShouldBeQuorraErrorAsync(HttpStatusCode.Unauthorized, "Invalid credentials");
    }

    [Fact]
    public async Task Login_MissingPassword_Is400()
    {
        var response = await _host.QuorraAsync(HttpMethod.Post, "/auth/login", null, new { username = "someone" });

        await response.ShouldBeQuorraErrorAsync(HttpStatusCode.BadRequest, "password is required");
    }

    [Theory]
    [InlineData("GET", "/memory/list")]
    [InlineData("POST", "/memory/save")]
    [InlineData("GET", "/media/my")]
    [InlineData("POST", "/media/upload")]
    [InlineData("GET", "/media/x/file")]
    [InlineData("POST", "/command/save")]
    [InlineData("GET", "/command/recent")]
    [InlineData("POST", "/notifications/create")]
    [InlineData("GET", "/notifications/list")]
    [InlineData("POST", "/notifications/x/read")]
    [InlineData("GET", "/settings")]
    [InlineData("POST", "/settings/update")]
    [InlineData("POST", "/system/volume")]
    [InlineData("POST", "/system/alarm")]
    [InlineData("POST", "/system/wifi")]
    [InlineData("POST", "/offline/queue")]
    [InlineData("GET", "/offline/queue")]
    public async Task EveryProtectedRoute_WithoutAHeaderIs403_AndWithABadTokenIs401(string method, string path)
    {
        var missing = await _host.QuorraAsync(new HttpMethod(method), path, null, "{}");
        await missing.ShouldBeQuorraErrorAsync(HttpStatusCode.Forbidden, QuorraSteps.TokenMissing);
        (await missing.Content.ReadAsStringAsync()).ShouldContain("\u2018");

        var bad = await _host.QuorraAsync(new HttpMethod(method), path, new QuorraUser("", "", "", "not-a-jwt"), "{}");
        await bad.ShouldBeQuorraErrorAsync(HttpStatusCode.Unauthorized, QuorraSteps.TokenInvalid);
    }

    public static TheoryData<string> BadAuthorizationHeaders => new()
    {
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer ",
        "Token abc",
    };

    [Theory]
    [MemberData(nameof(BadAuthorizationHeaders))]
    public async Task MalformedAuthorizationHeaders_Are401(string header)
    {
        var request = QuorraSteps.QuorraRequest(HttpMethod.Get, "/memory/list", null);
        request.Headers.TryAddWithoutValidation("Authorization", header);

        await (await _host.Http.SendAsync(request)).ShouldBeQuorraErrorAsync(HttpStatusCode.Unauthorized, QuorraSteps.TokenInvalid);
    }

    [Fact]
    public async Task ExpiredToken_AndTokenWithoutAudience_AndTokenOfADeletedAccount_Are401()
    {
        var user = await _host.QuorraRegisterAsync();
        var key = QuorraTokenService.DeriveKey(Encoding.UTF8.GetBytes(TestHost.Secret));
        var expired = Mint(key, new { id = user.Id, aud = "quorra", iat = Wire.UnixIn(TimeSpan.FromDays(-8)), exp = Wire.UnixIn(TimeSpan.FromSeconds(-5)) });
        var noAudience = Mint(key, new { id = user.Id, exp = Wire.UnixIn(TimeSpan.FromHours(1)) });
        var valid = Mint(key, new { id = user.Id, aud = "quorra", exp = Wire.UnixIn(TimeSpan.FromHours(1)) });

        foreach (var token in new[] { expired, noAudience })
            await (await _host.QuorraAsync(HttpMethod.Get, "/memory/list", user with { Token = token })).ShouldBeQuorraErrorAsync(HttpStatusCode.Unauthorized, QuorraSteps.TokenInvalid);
        (await _host.QuorraAsync(HttpMethod.Get, "/memory/list", user with { Token = valid })).StatusCode.ShouldBe(HttpStatusCode.OK);

        await using (var db = await _host.OpenDbAsync())
            await db.ExecuteAsync("DELETE FROM quorra_users WHERE id = @id", new { id = Guid.Parse(user.Id) });
        await (await _host.QuorraAsync(HttpMethod.Get, "/memory/list", user)).ShouldBeQuorraErrorAsync(HttpStatusCode.Unauthorized, QuorraSteps.TokenInvalid);
    }

    [Fact]
    public async Task ASpeakingToken_NeverOpensAQuorraRouteOrSocket()
    {
        var speaker = await _host.RegisterAsync();
        // Even a Speaking-style token carrying a Quorra account's id, signed with the service key, is refused.
        var quorraUser = await _host.QuorraRegisterAsync();
        var forged = Wire.MintToken(new { sub = speaker.IdText, id = quorraUser.Id, aud = "quorra", exp = Wire.UnixIn(TimeSpan.FromHours(1)) });

        foreach (var token in new[] { speaker.Token, forged })
        {
            var response = await _host.QuorraAsync(HttpMethod.Get, "/memory/list", quorraUser with { Token = token });
            await response.ShouldBeQuorraErrorAsync(HttpStatusCode.Unauthorized, QuorraSteps.TokenInvalid);
            (await QuorraSteps.RefusedHandshakeAsync(_host.QuorraSocketUri(token))).ShouldBe(HttpStatusCode.Unauthorized);
        }
    }

    [Fact]
    public async Task AQuorraToken_NeverOpensASpeakingRouteOrSocket()
    {
        var quorraUser = await _host.QuorraRegisterAsync();
        var speaker = await _host.RegisterAsync();

        var me = new HttpRequestMessage(HttpMethod.Get, "/auth/me");
        me.Headers.Authorization = new AuthenticationHeaderValue("Bearer", quorraUser.Token);
        await (await _host.Http.SendAsync(me)).ShouldBeUnauthorizedAsync("Could not validate credentials");

        var partners = new HttpRequestMessage(HttpMethod.Get, "/partners/");
        partners.Headers.Authorization = new AuthenticationHeaderValue("Bearer", quorraUser.Token);
        await (await _host.Http.SendAsync(partners)).ShouldBeUnauthorizedAsync("Could not validate credentials");

        (await QuorraSteps.RefusedHandshakeAsync(_host.WebSocketUri(speaker.Id, quorraUser.Token))).ShouldBe(HttpStatusCode.Forbidden);
        (await QuorraSteps.RefusedHandshakeAsync(_host.WebSocketUri(Guid.Parse(quorraUser.Id), quorraUser.Token))).ShouldBe(HttpStatusCode.Forbidden);
    }

    private static JsonElement Payload(string token)
    {
        var part = token.Split('.')[1].Replace('-', '+').Replace('_', '/');
        part = part.PadRight(part.Length + (4 - part.Length % 4) % 4, '=');
        return JsonDocument.Parse(Convert.FromBase64String(part)).RootElement.Clone();
    }

    private static string Mint(byte[] key, object payload)
    {
        var signingInput = Wire.Base64Url("""{"alg":"HS256","typ":"JWT"}"""u8.ToArray()) + "." + Wire.Base64Url(JsonSerializer.SerializeToUtf8Bytes(payload));
        return signingInput + "." + Wire.Base64Url(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(signingInput)));
    }
}
