using System.Net;
using System.Text.Json;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Quorra;

/// <summary>Settings: null until saved, a flat object of at most 64 keys, merged by each update, per user.</summary>
public sealed class QuorraSettingsTests(QuorraFixture fixture) : IClassFixture<QuorraFixture>
{
    private readonly TestHost _host = fixture.Host;

    [Fact]
    public async Task Get_IsNullBeforeAnyUpdate()
    {
        var user = await _host.QuorraRegisterAsync();

        var response = await _host.QuorraAsync(HttpMethod.Get, "/settings", user);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).ShouldBe("null");
    }

    [Fact]
    public async Task Update_UpsertsAndMerges_AndGetReturnsTheObject_PerUser()
    {
        var ann = await _host.QuorraRegisterAsync();
        var bob = await _host.QuorraRegisterAsync();

        var first = await _host.QuorraJsonAsync(HttpMethod.Post, "/settings/update", ann, """{"theme":"dark","volume":40,"wake_word":"Quorra"}""");
        var second = await _host.QuorraJsonAsync(HttpMethod.Post, "/settings/update", ann, """{"volume":55,"notifications":false,"nickname":null}""");

        first.Keys().ShouldBe(["theme", "volume", "wake_word"]);
        second.Keys().ShouldBe(["nickname", "notifications", "theme", "volume", "wake_word"]);
        second.Str("theme").ShouldBe("dark");
        second.GetProperty("volume").GetInt32().ShouldBe(55);
        second.GetProperty("notifications").GetBoolean().ShouldBeFalse();
        second.GetProperty("nickname").ValueKind.ShouldBe(JsonValueKind.Null);
        (await _host.QuorraJsonAsync(HttpMethod.Get, "/settings", ann)).GetRawText().ShouldBe(second.GetRawText());
        (await (await _host.QuorraAsync(HttpMethod.Get, "/settings", bob)).Content.ReadAsStringAsync()).ShouldBe("null");
    }

    [Theory]
    [InlineData("""{"theme":{"color":"red"}}""", "theme must be a string, number, boolean or null: settings are a flat object")]
    [InlineData("""{"list":[1]}""", "list must be a string, number, boolean or null: settings are a flat object")]
    [InlineData("""[{"a":1}]""", "The request body must be a JSON object")]
    [InlineData("""{"":1}""", "Setting names must be 1 to 64 characters")]
    [InlineData("""{"big":1e999}""", "big must be a finite number")]
    public async Task Update_NotAFlatObject_Is400(string body, string error)
    {
        var user = await _host.QuorraRegisterAsync();

        await (await _host.QuorraAsync(HttpMethod.Post, "/settings/update", user, body)).ShouldBeQuorraErrorAsync(HttpStatusCode.BadRequest, error);
    }

    [Fact]
    public async Task Update_MoreThan64Keys_InOneRequestOrInTotal_Is400_AndChangesNothing()
    {
        var user = await _host.QuorraRegisterAsync();
        var sixtyFive = JsonSerializer.Serialize(Enumerable.Range(0, 65).ToDictionary(i => $"k{i}", i => i));
        await (await _host.QuorraAsync(HttpMethod.Post, "/settings/update", user, sixtyFive))
            .ShouldBeQuorraErrorAsync(HttpStatusCode.BadRequest, "Settings may hold at most 64 keys");

        var sixty = JsonSerializer.Serialize(Enumerable.Range(0, 60).ToDictionary(i => $"a{i}", i => i));
        (await _host.QuorraJsonAsync(HttpMethod.Post, "/settings/update", user, sixty)).EnumerateObject().Count().ShouldBe(60);
        var five = JsonSerializer.Serialize(Enumerable.Range(0, 5).ToDictionary(i => $"b{i}", i => i));
        await (await _host.QuorraAsync(HttpMethod.Post, "/settings/update", user, five))
            .ShouldBeQuorraErrorAsync(HttpStatusCode.BadRequest, "Settings may hold at most 64 keys");

        (await _host.QuorraJsonAsync(HttpMethod.Get, "/settings", user)).EnumerateObject().Count().ShouldBe(60);
        var four = JsonSerializer.Serialize(Enumerable.Range(0, 4).ToDictionary(i => $"b{i}", i => i));
        (await _host.QuorraJsonAsync(HttpMethod.Post, "/settings/update", user, four)).EnumerateObject().Count().ShouldBe(64);
    }
}
