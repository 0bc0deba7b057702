using System.Net;
using Dapper;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Quorra;

/// <summary>The root-guarded system routes with a configured PIN: the guard, validation, the audit table and the wrong-PIN limit.</summary>
public sealed class QuorraSystemTests(QuorraFixture fixture) : IClassFixture<QuorraFixture>
{
    private readonly TestHost _host = fixture.Host;

    private static Dictionary<string, string> Pin(string pin) => new() { ["x-root-pin"] = pin };

    [Theory]
    [InlineData("/system/volume", """{"level":40}""", "volume", "Volume o\u2018zgartirildi (simulyatsiya)", """{"level": 40}""")]
    [InlineData("/system/alarm", """{"at":"07:30"}""", "alarm", "Alarm o\u2018rnatildi (simulyatsiya)", """{"at": "07:30"}""")]
    [InlineData("/system/alarm", """{"at":"2030-01-02T08:30:00+01:00"}""", "alarm", "Alarm o\u2018rnatildi (simulyatsiya)", """{"at": "2030-01-02T07:30:00.000Z"}""")]
    [InlineData("/system/wifi", """{"enabled":false}""", "wifi", "WiFi boshqaruvi bajarildi (simulyatsiya)", """{"enabled": false}""")]
    public async Task WithTheRightPin_TheActionIsSimulated_AndAudited(string path, string body, string action, string message, string auditedParams)
    {
        var user = await _host.QuorraRegisterAsync();

        var response = await _host.QuorraAsync(HttpMethod.Post, path, user, body, Pin(QuorraSteps.RootPin));

        var json = await response.ReadJsonAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, json.GetRawText());
        json.Keys().ShouldBe(["action", "message", "params", "simulated"]);
        json.Str("message").ShouldBe(message);
        json.Str("action").ShouldBe(action);
        json.GetProperty("simulated").GetBoolean().ShouldBeTrue();

        await using var db = await _host.OpenDbAsync();
        var rows = (await db.QueryAsync<(string Action, string Params, string Outcome, string Address, DateTime CreatedAt)>(
            "SELECT action, params::text, outcome, client_address, created_at FROM quorra_system_audit WHERE user_id = @id",
            new { id = Guid.Parse(user.Id) })).ToList();
        rows.Count.ShouldBe(1);
        rows[0].Action.ShouldBe(action);
        rows[0].Params.ShouldBe(auditedParams);
        rows[0].Outcome.ShouldBe("applied");
        rows[0].Address.ShouldBe("127.0.0.1");
        rows[0].CreatedAt.ShouldBeGreaterThan(DateTime.UtcNow.AddMinutes(-5));
    }

    [Theory]
    [InlineData("/system/volume", """{"level":101}""", "level must be a whole number from 0 to 100")]
    [InlineData("/system/volume", """{"level":-1}""", "level must be a whole number from 0 to 100")]
    [InlineData("/system/volume", """{"level":40.5}""", "level must be a whole number from 0 to 100")]
    [InlineData("/system/volume", """{"level":"40"}""", "level must be a number")]
    [InlineData("/system/volume", """{}""", "level is required")]
    [InlineData("/system/alarm", """{"at":"25:00"}""", "at must be a time of day \"HH:mm\" or an ISO 8601 date-time with a time zone")]
    [InlineData("/system/alarm", """{"at":"2030-01-02T08:30:00"}""", "at must be a time of day \"HH:mm\" or an ISO 8601 date-time with a time zone")]
    [InlineData("/system/alarm", """{}""", "at is required")]
    [InlineData("/system/wifi", """{"enabled":"yes"}""", "enabled must be true or false")]
    [InlineData("/system/wifi", """{}""", "enabled is required")]
    public async Task WithTheRightPin_BadInput_Is400_AndNothingIsAudited(string path, string body, string error)
    {
        var user = await _host.QuorraRegisterAsync();

        await (await _host.QuorraAsync(HttpMethod.Post, path, user, body, Pin(QuorraSteps.RootPin))).ShouldBeQuorraErrorAsync(HttpStatusCode.BadRequest, error);

        await using var db = await _host.OpenDbAsync();
        (await db.ExecuteScalarAsync<int>("SELECT count(*) FROM quorra_system_audit WHERE user_id = @id", new { id = Guid.Parse(user.Id) })).ShouldBe(0);
    }

    [Fact]
    public async Task AWrongOrMissingPin_Is401RootDenied_AuditedAsDenied_BeforeTheBodyIsJudged()
    {
        var user = await _host.QuorraRegisterAsync();

        await (await _host.QuorraAsync(HttpMethod.Post, "/system/volume", user, """{"level":999}""", Pin("0000")))
            .ShouldBeQuorraErrorAsync(HttpStatusCode.Unauthorized, "Root ruxsat rad etildi");
        await (await _host.QuorraAsync(HttpMethod.Post, "/system/wifi", user, "{not json"))
            .ShouldBeQuorraErrorAsync(HttpStatusCode.Unauthorized, "Root ruxsat rad etildi");

        await using var db = await _host.OpenDbAsync();
        (await db.QueryAsync<(string, string, string?)>("SELECT action, outcome, params::text FROM quorra_system_audit WHERE user_id = @id ORDER BY created_at",
            new { id = Guid.Parse(user.Id) })).ShouldBe([("volume", "denied", null), ("wifi", "denied", null)]);
    }

    [Fact]
    public async Task WithoutAToken_TheRouteIs403_WhateverThePin()
    {
        await (await _host.QuorraAsync(HttpMethod.Post, "/system/volume", null, """{"level":1}""", Pin(QuorraSteps.RootPin)))
            .ShouldBeQuorraErrorAsync(HttpStatusCode.Forbidden, QuorraSteps.TokenMissing);
    }

    [Fact]
    public async Task WrongPins_AreLimitedPerUser_ThenEvenTheRightPinIs429()
    {
        var user = await _host.QuorraRegisterAsync();
        var other = await _host.QuorraRegisterAsync();

        for (var i = 0; i < 3; i++)
            await (await _host.QuorraAsync(HttpMethod.Post, "/system/volume", user, """{"level":1}""", Pin("guess" + i)))
                .ShouldBeQuorraErrorAsync(HttpStatusCode.Unauthorized, "Root ruxsat rad etildi");

        var blocked = await _host.QuorraAsync(HttpMethod.Post, "/system/volume", user, """{"level":1}""", Pin(QuorraSteps.RootPin));
        await blocked.ShouldBeQuorraErrorAsync(HttpStatusCode.TooManyRequests, "Too many wrong root PINs; try again later");
        blocked.Headers.RetryAfter.ShouldNotBeNull();
        (await _host.QuorraAsync(HttpMethod.Post, "/system/volume", other, """{"level":1}""", Pin(QuorraSteps.RootPin))).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}

/// <summary>An unset PIN and the original's default "0000" keep the system routes closed: 503, whatever the header says.</summary>
public sealed class QuorraRootPinNotConfiguredTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("0000")]
    public async Task SystemRoutes_Answer503_AndNoDefaultPinOpensThem(string? configured)
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["ROOT_PIN"] = configured });
        var user = await host.QuorraRegisterAsync();

        foreach (var (path, body) in new[] { ("/system/volume", """{"level":5}"""), ("/system/alarm", """{"at":"07:00"}"""), ("/system/wifi", """{"enabled":true}""") })
        foreach (var pin in new[] { "0000", "", "anything" })
        {
            await (await host.QuorraAsync(HttpMethod.Post, path, user, body, new Dictionary<string, string> { ["x-root-pin"] = pin }))
                .ShouldBeQuorraErrorAsync(HttpStatusCode.ServiceUnavailable, "Root PIN not configured");
        }

        await using var db = await host.OpenDbAsync();
        (await db.ExecuteScalarAsync<int>("SELECT count(*) FROM quorra_system_audit")).ShouldBe(0);
    }
}

/// <summary>Wrong PINs from one client address are limited across accounts.</summary>
public sealed class QuorraRootPinAddressLimitTests : HostPerTest
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["ROOT_PIN"] = QuorraSteps.RootPin,
        ["QUORRA_ROOT_PIN_MAX_FAILURES_PER_USER"] = "100",
        ["QUORRA_ROOT_PIN_MAX_FAILURES_PER_ADDRESS"] = "4",
    };

    [Fact]
    public async Task WrongPinsFromOneAddress_AcrossAccounts_Give429()
    {
        var users = new List<QuorraUser>();
        for (var i = 0; i < 3; i++) users.Add(await Host.QuorraRegisterAsync());

        foreach (var user in users.Take(2))
        for (var i = 0; i < 2; i++)
            await (await Host.QuorraAsync(HttpMethod.Post, "/system/wifi", user, """{"enabled":true}""", new Dictionary<string, string> { ["x-root-pin"] = "nope" }))
                .ShouldBeQuorraErrorAsync(HttpStatusCode.Unauthorized, "Root ruxsat rad etildi");

        await (await Host.QuorraAsync(HttpMethod.Post, "/system/wifi", users[2], """{"enabled":true}""", new Dictionary<string, string> { ["x-root-pin"] = QuorraSteps.RootPin }))
            .ShouldBeQuorraErrorAsync(HttpStatusCode.TooManyRequests, "Too many wrong root PINs; try again later");
    }
}
