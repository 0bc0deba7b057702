using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests;

public sealed class AuthHostFixture : HostFixture
{
    public const int MaxFailures = 3;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["LOGIN_MAX_FAILURES_PER_EMAIL"] = MaxFailures.ToString(),
    };
}

/// <summary>Contract 2.1, 2.2 and 3.3: register, login, /auth/me and the bearer rules.</summary>
public sealed class AuthEndpointsTests(AuthHostFixture fixture) : IClassFixture<AuthHostFixture>
{
    private readonly TestHost _host = fixture.Host;

    private static string NewEmail(string local = "user") => $"{local}{Guid.NewGuid():N}@example.com";

    private Task<HttpResponseMessage> RegisterAsync(object body) => _host.Http.PostAsJsonAsync("/auth/register", body);

    private Task<HttpResponseMessage> RegisterRawAsync(string? body) =>
        _host.Http.SendAsync(Wire.Raw(HttpMethod.Post, "/auth/register", null, body));

    private Task<HttpResponseMessage> LoginAsync(string username, string password) =>
        _host.Http.PostAsync("/auth/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = username, ["password"] = password }));

    private Task<HttpResponseMessage> MeAsync(string? authorization) => _host.Http.SendAsync(Wire.Raw(HttpMethod.Get, "/auth/me", authorization));

    private static void ShouldBeUser(JsonElement user, string email, string username, double level, double target)
    {
        user.Keys().ShouldBe(["created_at", "current_level", "email", "id", "is_online", "last_seen", "target_score", "username"]);
        user.Str("id").ShouldMatch(Wire.LowercaseUuid().ToString());
        user.Str("email").ShouldBe(email);
        user.Str("username").ShouldBe(username);
        user.GetProperty("current_level").GetDouble().ShouldBe(level);
        user.GetProperty("target_score").GetDouble().ShouldBe(target);
        user.GetProperty("is_online").GetBoolean().ShouldBeFalse();
        user.Str("last_seen").ShouldMatch(Wire.Timestamp().ToString());
        user.Str("created_at").ShouldMatch(Wire.Timestamp().ToString());
    }

    [Fact]
    public async Task Register_Returns201Token_WithTheNewUserFieldByField()
    {
        var email = NewEmail();
        var response = await RegisterAsync(new { email, password = "secret123", username = "Ann", current_level = 6.5, target_score = 8.0 });

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var token = await response.ReadJsonAsync();
        token.Keys().ShouldBe(["access_token", "token_type", "user"]);
        token.Str("token_type").ShouldBe("bearer");
        token.Str("access_token").Split('.').Length.ShouldBe(3);
        ShouldBeUser(token.GetProperty("user"), email, "Ann", 6.5, 8.0);
        token.GetProperty("user").Str("last_seen").ShouldBe(token.GetProperty("user").Str("created_at"));
    }

    [Fact]
    public async Task Register_IssuesATokenWithExactlySubAndExp_SignedHs256()
    {
        var response = await RegisterAsync(new { email = NewEmail(), password = "secret123", username = "Ann" });
        var token = await response.ReadJsonAsync();
        var parts = token.Str("access_token").Split('.');

        static JsonElement Decode(string part) =>
            JsonDocument.Parse(Convert.FromBase64String(part.Replace('-', '+').Replace('_', '/').PadRight((part.Length + 3) / 4 * 4, '='))).RootElement;
        Decode(parts[0]).Str("alg").ShouldBe("HS256");
        var payload = Decode(parts[1]);
        payload.Keys().ShouldBe(["exp", "sub"]);
        payload.Str("sub").ShouldBe(token.GetProperty("user").Str("id"));
        Wire.MintToken(new { sub = payload.Str("sub"), exp = payload.GetProperty("exp").GetInt64() }).ShouldBe(token.Str("access_token"));
    }

    [Fact]
    public async Task Register_DefaultsLevelsTo6And7()
    {
        var response = await RegisterAsync(new { email = NewEmail(), password = "secret123", username = "Bo" });

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var user = (await response.ReadJsonAsync()).GetProperty("user");
        user.GetProperty("current_level").GetDouble().ShouldBe(6.0);
        user.GetProperty("target_score").GetDouble().ShouldBe(7.0);
    }

    [Fact]
    public async Task Register_StripsWhitespaceAndLowerCasesOnlyTheDomain()
    {
        var local = "Ann.Lee" + Guid.NewGuid().ToString("N")[..8];
        var response = await RegisterAsync(new { email = $"  {local}@EXAMPLE.Com ", password = "secret123", username = "Ann" });

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await response.ReadJsonAsync()).GetProperty("user").Str("email").ShouldBe($"{local}@example.com");
    }

    [Fact]
    public async Task Register_AcceptsANumericStringLevel()
    {
        var response = await RegisterAsync(new { email = NewEmail(), password = "secret123", username = "Ann", current_level = "6.5" });

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var level = (await response.ReadJsonAsync()).GetProperty("user").GetProperty("current_level");
        level.ValueKind.ShouldBe(JsonValueKind.Number);
        level.GetDouble().ShouldBe(6.5);
    }

    [Fact]
    public async Task Register_DuplicateEmail_Is400EmailAlreadyRegistered()
    {
        var email = NewEmail();
        (await RegisterAsync(new { email, password = "secret123", username = "Ann" })).StatusCode.ShouldBe(HttpStatusCode.Created);

        await (await RegisterAsync(new { email, password = "other123", username = "Bob" }))
            .ShouldBeDetailAsync(HttpStatusCode.BadRequest, "Email already registered");
    }

    [Fact]
    public async Task Register_DuplicateEmailInAnotherCase_Is400EmailAlreadyRegistered()
    {
        var email = NewEmail("ann");
        (await RegisterAsync(new { email, password = "secret123", username = "Ann" })).StatusCode.ShouldBe(HttpStatusCode.Created);

        await (await RegisterAsync(new { email = email.ToUpperInvariant(), password = "other123", username = "Bob" }))
            .ShouldBeDetailAsync(HttpStatusCode.BadRequest, "Email already registered");
        await using var db = await _host.OpenDbAsync();
        (await db.ExecuteScalarAsync<long>("SELECT count(*) FROM users WHERE lower(email) = lower(@email)", new { email })).ShouldBe(1);
    }

    [Fact]
    public async Task Register_MissingFields_Are422MissingAtEachField()
    {
        var response = await RegisterRawAsync("{}");

        (await response.ValidationLocsAsync()).ShouldBe(
            ["missing [\"body\",\"email\"]", "missing [\"body\",\"password\"]", "missing [\"body\",\"username\"]"], ignoreOrder: true);
    }

    [Theory]
    [InlineData("12345")]
    [InlineData("p")]
    public async Task Register_TooShortPassword_Is422StringTooShort(string password)
    {
        var item = await (await RegisterAsync(new { email = NewEmail(), password, username = "Ann" }))
            .ShouldBeValidationErrorAsync("string_too_short", "body", "password");
        item.GetProperty("ctx").GetProperty("min_length").GetInt32().ShouldBe(6);
        item.Str("msg").ShouldBe("String should have at least 6 characters");
    }

    [Fact]
    public async Task Register_TooLongPassword_Is422StringTooLong()
    {
        var item = await (await RegisterAsync(new { email = NewEmail(), password = new string('x', 101), username = "Ann" }))
            .ShouldBeValidationErrorAsync("string_too_long", "body", "password");
        item.GetProperty("ctx").GetProperty("max_length").GetInt32().ShouldBe(100);
    }

    [Fact]
    public async Task Register_PasswordOf100Characters_IsAccepted()
    {
        (await RegisterAsync(new { email = NewEmail(), password = new string('x', 100), username = "Ann" })).StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Register_UsernameOutside2To100Characters_Is422()
    {
        await (await RegisterAsync(new { email = NewEmail(), password = "secret123", username = "A" }))
            .ShouldBeValidationErrorAsync("string_too_short", "body", "username");
        await (await RegisterAsync(new { email = NewEmail(), password = "secret123", username = new string('u', 101) }))
            .ShouldBeValidationErrorAsync("string_too_long", "body", "username");
        (await RegisterAsync(new { email = NewEmail(), password = "secret123", username = "Al" })).StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Register_LevelsOutside1To9_Are422WithBounds()
    {
        var low = await (await RegisterAsync(new { email = NewEmail(), password = "secret123", username = "Ann", current_level = 0.5 }))
            .ShouldBeValidationErrorAsync("greater_than_equal", "body", "current_level");
        low.Str("msg").ShouldBe("Input should be greater than or equal to 1");
        var high = await (await RegisterAsync(new { email = NewEmail(), password = "secret123", username = "Ann", target_score = 9.5 }))
            .ShouldBeValidationErrorAsync("less_than_equal", "body", "target_score");
        high.Str("msg").ShouldBe("Input should be less than or equal to 9");
    }

    [Fact]
    public async Task Register_NullLevel_Is422()
    {
        var response = await RegisterRawAsync($$"""{"email":"{{NewEmail()}}","password":"secret123","username":"Ann","current_level":null}""");

        (await response.ValidationLocsAsync()).ShouldHaveSingleItem().ShouldEndWith("[\"body\",\"current_level\"]");
    }

    [Fact]
    public async Task Register_BadEmail_Is422ValueError()
    {
        var item = await (await RegisterAsync(new { email = "not-an-email", password = "secret123", username = "Ann" }))
            .ShouldBeValidationErrorAsync("value_error", "body", "email");
        item.Str("msg").ShouldStartWith("value is not a valid email address: ");
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("\"text\"")]
    [InlineData("42")]
    public async Task Register_NonObjectBody_Is422AtBody(string body)
    {
        (await (await RegisterRawAsync(body)).ValidationLocsAsync()).ShouldHaveSingleItem().ShouldEndWith(" [\"body\"]");
    }

    [Fact]
    public async Task Register_MissingBody_Is422MissingAtBody()
    {
        await (await RegisterRawAsync(null)).ShouldBeValidationErrorAsync("missing", "body");
    }

    [Fact]
    public async Task Register_InvalidJson_Is422JsonInvalidWithOffset()
    {
        var response = await RegisterRawAsync("""{"email": "a@example.com",""");

        var detail = (await response.ReadJsonAsync()).GetProperty("detail");
        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var item = detail.EnumerateArray().ShouldHaveSingleItem();
        item.Str("type").ShouldBe("json_invalid");
        item.Str("msg").ShouldBe("JSON decode error");
        item.GetProperty("loc")[0].GetString().ShouldBe("body");
        item.GetProperty("loc")[1].ValueKind.ShouldBe(JsonValueKind.Number);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer not.a.token")]
    public async Task InvalidJson_OnAProtectedEndpoint_IsReportedBeforeAuthentication(string? authorization)
    {
        var response = await _host.Http.SendAsync(Wire.Raw(HttpMethod.Patch, $"/users/{Guid.NewGuid()}", authorization, "{not json"));

        var item = await response.ShouldBeValidationErrorAsync("json_invalid", "body", 1);
        item.Str("msg").ShouldBe("JSON decode error");
    }

    [Fact]
    public async Task ProtectedEndpoint_WithBadTokenAndBadField_Is401()
    {
        var response = await _host.Http.SendAsync(Wire.Raw(HttpMethod.Patch, $"/users/{Guid.NewGuid()}", "Bearer x", """{"username":null}"""));

        await response.ShouldBeUnauthorizedAsync("Could not validate credentials");
    }

    [Fact]
    public async Task Login_WithUrlEncodedForm_ReturnsTokenOfThatUser()
    {
        var user = await _host.RegisterAsync("Lena");

        var response = await LoginAsync(user.Email, user.Password);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var token = await response.ReadJsonAsync();
        token.Str("token_type").ShouldBe("bearer");
        ShouldBeUser(token.GetProperty("user"), user.Email, "Lena", 6.0, 7.0);
        token.GetProperty("user").Str("id").ShouldBe(user.IdText);
        (await MeAsync("Bearer " + token.Str("access_token"))).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Login_WithMultipartForm_Succeeds()
    {
        var user = await _host.RegisterAsync();
        using var form = new MultipartFormDataContent { { new StringContent(user.Email), "username" }, { new StringContent(user.Password), "password" } };

        var response = await _host.Http.PostAsync("/auth/login", form);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.ReadJsonAsync()).GetProperty("user").Str("id").ShouldBe(user.IdText);
    }

    [Fact]
    public async Task Login_WithOAuth2ExtraFields_Succeeds()
    {
        var user = await _host.RegisterAsync();
        var response = await _host.Http.PostAsync("/auth/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["username"] = user.Email, ["password"] = user.Password, ["scope"] = "", ["client_id"] = "x",
        }));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Login_WithTheEmailInAnotherCase_Succeeds()
    {
        var local = "Ann" + Guid.NewGuid().ToString("N")[..8];
        (await RegisterAsync(new { email = $"{local}@Example.com", password = "secret123", username = "Ann" })).StatusCode.ShouldBe(HttpStatusCode.Created);

        (await LoginAsync($"{local}@Example.com", "secret123")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await LoginAsync($"{local.ToLowerInvariant()}@EXAMPLE.COM", "secret123")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Login_WrongPasswordAndUnknownEmail_GiveTheSame401()
    {
        var user = await _host.RegisterAsync();

        await (await LoginAsync(user.Email, "wrong-password")).ShouldBeUnauthorizedAsync("Incorrect email or password");
        await (await LoginAsync(NewEmail("ghost"), "secret123")).ShouldBeUnauthorizedAsync("Incorrect email or password");
    }

    [Fact]
    public async Task Login_EmptyFields_Are422MissingAtBothFields()
    {
        var response = await _host.Http.PostAsync("/auth/login",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = "", ["password"] = "" }));

        (await response.ValidationLocsAsync()).ShouldBe(["missing [\"body\",\"username\"]", "missing [\"body\",\"password\"]"], ignoreOrder: true);
    }

    [Fact]
    public async Task Login_WithAJsonBody_IsExactlyTwoMissingErrors()
    {
        var response = await _host.Http.PostAsJsonAsync("/auth/login", new { username = "a@example.com", password = "secret123" });

        (await response.ValidationLocsAsync()).ShouldBe(["missing [\"body\",\"username\"]", "missing [\"body\",\"password\"]"], ignoreOrder: true);
    }

    [Fact]
    public async Task Login_AfterTooManyFailuresForAnEmail_Is429EvenWithTheRightPassword()
    {
        var user = await _host.RegisterAsync();
        for (var i = 0; i < AuthHostFixture.MaxFailures; i++)
            await (await LoginAsync(user.Email, "wrong-password")).ShouldBeUnauthorizedAsync("Incorrect email or password");

        await (await LoginAsync(user.Email, "wrong-password")).ShouldBeDetailAsync(HttpStatusCode.TooManyRequests, "Too many login attempts");
        await (await LoginAsync(user.Email.ToUpperInvariant(), user.Password)).ShouldBeDetailAsync(HttpStatusCode.TooManyRequests, "Too many login attempts");

        var other = await _host.RegisterAsync();
        (await LoginAsync(other.Email, other.Password)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Me_ReturnsTheCallerIncludingTheirEmail()
    {
        var user = await _host.RegisterAsync("Mia", 7.5, 8.5);

        var response = await MeAsync("Bearer " + user.Token);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var me = await response.ReadJsonAsync();
        ShouldBeUser(me, user.Email, "Mia", 7.5, 8.5);
        me.Str("id").ShouldBe(user.IdText);
    }

    [Fact]
    public async Task Me_AcceptsTheSchemeInAnyCase()
    {
        var user = await _host.RegisterAsync();

        (await MeAsync("bearer " + user.Token)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Basic x")]
    [InlineData("Token abc")]
    public async Task Me_WithoutABearerScheme_Is401NotAuthenticated(string? authorization)
    {
        await (await MeAsync(authorization)).ShouldBeUnauthorizedAsync("Not authenticated");
    }

    [Theory]
    [InlineData("Bearer ")]
    [InlineData("Bearer not-a-jwt")]
    [InlineData("Bearer a.b.c")]
    public async Task Me_WithAnEmptyOrMalformedBearer_Is401CouldNotValidate(string authorization)
    {
        await (await MeAsync(authorization)).ShouldBeUnauthorizedAsync("Could not validate credentials");
    }

    [Fact]
    public async Task Me_WithAForgedSignature_Is401CouldNotValidate()
    {
        var user = await _host.RegisterAsync();
        var forged = Wire.MintToken(new { sub = user.IdText, exp = Wire.UnixIn(TimeSpan.FromHours(1)) }, secret: "another-secret-of-25-chars");

        await (await MeAsync("Bearer " + forged)).ShouldBeUnauthorizedAsync("Could not validate credentials");
    }

    [Fact]
    public async Task Me_WithAlgNone_Is401CouldNotValidate()
    {
        var user = await _host.RegisterAsync();
        var header = Wire.Base64Url("""{"alg":"none","typ":"JWT"}"""u8.ToArray());
        var payload = Wire.Base64Url(JsonSerializer.SerializeToUtf8Bytes(new { sub = user.IdText, exp = Wire.UnixIn(TimeSpan.FromHours(1)) }));

        await (await MeAsync($"Bearer {header}.{payload}.")).ShouldBeUnauthorizedAsync("Could not validate credentials");
    }

    [Fact]
    public async Task Me_WithAnExpiredToken_Is401CouldNotValidate()
    {
        var user = await _host.RegisterAsync();
        var expired = Wire.MintToken(new { sub = user.IdText, exp = Wire.UnixIn(TimeSpan.FromMinutes(-2)) });

        await (await MeAsync("Bearer " + expired)).ShouldBeUnauthorizedAsync("Could not validate credentials");
    }

    [Fact]
    public async Task Me_WithATokenWithoutSub_Is401CouldNotValidate()
    {
        var token = Wire.MintToken(new { exp = Wire.UnixIn(TimeSpan.FromHours(1)) });

        await (await MeAsync("Bearer " + token)).ShouldBeUnauthorizedAsync("Could not validate credentials");
    }

    [Fact]
    public async Task Me_ForADeletedUser_Is401CouldNotValidate()
    {
        var user = await _host.RegisterAsync();
        await using (var db = await _host.OpenDbAsync())
            (await db.ExecuteAsync("DELETE FROM users WHERE id = @Id", new { user.Id })).ShouldBe(1);

        await (await MeAsync("Bearer " + user.Token)).ShouldBeUnauthorizedAsync("Could not validate credentials");
    }

    [Fact]
    public async Task Me_AcceptsATokenMintedByHandLikeTheOriginal()
    {
        TestHost.Secret.Length.ShouldBe(25); // the original's compose default length, below the 32 bytes HS256 libraries demand
        var user = await _host.RegisterAsync();
        var token = Wire.MintToken(new { sub = user.IdText, exp = Wire.UnixIn(TimeSpan.FromHours(1)) });

        var response = await MeAsync("Bearer " + token);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.ReadJsonAsync()).Str("id").ShouldBe(user.IdText);
    }
}
