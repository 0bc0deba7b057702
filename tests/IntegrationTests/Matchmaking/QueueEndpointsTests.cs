using System.Net;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Matchmaking;

/// <summary>Contract 3.5, field by field. The round interval is long so nothing is matched behind the test's back.</summary>
public sealed class QueueEndpointsTests : HostPerTest
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["ROULETTE_INTERVAL_SECONDS"] = "3600" };

    private const string Timestamp = @"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$";

    [Fact]
    public async Task Roulette_Join_Status_Leave()
    {
        var first = await Host.RegisterAsync();
        var user = await Host.RegisterAsync();
        (await Host.SendAsync(HttpMethod.Post, "/queue/roulette", first)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var joined = await Host.SendAsync(HttpMethod.Post, "/queue/roulette", user);
        joined.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await joined.ReadJsonAsync();
        body.Keys().ShouldBe(["estimated_wait_seconds", "in_queue", "joined_at", "mode", "position"]);
        body.GetProperty("in_queue").GetBoolean().ShouldBeTrue();
        body.Str("mode").ShouldBe("roulette");
        body.GetProperty("position").GetInt32().ShouldBe(2);
        body.Str("joined_at").ShouldMatch(Timestamp);
        body.GetProperty("estimated_wait_seconds").GetInt32().ShouldBe(20);

        var again = await Host.SendAsync(HttpMethod.Post, "/queue/level-filter", user, new { });
        again.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await again.Content.ReadAsStringAsync()).ShouldBe("""{"detail":"You are already in a queue"}""");

        var status = await (await Host.SendAsync(HttpMethod.Get, "/queue/status", user)).ReadJsonAsync();
        status.GetProperty("position").GetInt32().ShouldBe(2);
        status.Str("joined_at").ShouldBe(body.Str("joined_at"));
        status.GetProperty("estimated_wait_seconds").GetInt32().ShouldBe(20);

        var left = await Host.SendAsync(HttpMethod.Post, "/queue/leave", user);
        left.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await left.Content.ReadAsStringAsync()).ShouldBe("""{"message":"Left queue successfully"}""");
        (await (await Host.SendAsync(HttpMethod.Get, "/queue/status", user)).Content.ReadAsStringAsync())
            .ShouldBe("""{"in_queue":false,"mode":null,"position":null,"joined_at":null,"estimated_wait_seconds":null}""");
        var notQueued = await Host.SendAsync(HttpMethod.Post, "/queue/leave", user);
        notQueued.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await notQueued.Content.ReadAsStringAsync()).ShouldBe("""{"detail":"You are not in any queue"}""");
    }

    [Fact]
    public async Task LevelFilter_PositionCountsNearbyLevels_AndWaitDependsOnCompany()
    {
        var alone = await Host.RegisterAsync(level: 8.5);
        var near = await Host.RegisterAsync(level: 3.0);
        var lonely = await (await Host.SendAsync(HttpMethod.Post, "/queue/level-filter", alone, new { })).ReadJsonAsync();
        lonely.Str("mode").ShouldBe("level_filter");
        lonely.GetProperty("position").GetInt32().ShouldBe(1);
        lonely.GetProperty("estimated_wait_seconds").GetInt32().ShouldBe(60);

        var company = await (await Host.SendAsync(HttpMethod.Post, "/queue/level-filter", near, new { level_filter = "8.0" })).ReadJsonAsync();
        company.GetProperty("position").GetInt32().ShouldBe(2);
        company.GetProperty("estimated_wait_seconds").GetInt32().ShouldBe(30);

        var status = await (await Host.SendAsync(HttpMethod.Get, "/queue/status", near)).ReadJsonAsync();
        status.GetProperty("estimated_wait_seconds").GetInt32().ShouldBe(30);
    }

    [Fact]
    public async Task LevelFilter_Validation()
    {
        var user = await Host.RegisterAsync();
        var noBody = await Host.SendAsync(HttpMethod.Post, "/queue/level-filter", user);
        noBody.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var missing = (await noBody.ReadJsonAsync()).GetProperty("detail")[0];
        missing.Str("type").ShouldBe("missing");
        missing.GetProperty("loc").GetRawText().ShouldBe("""["body"]""");

        var tooHigh = await Host.SendAsync(HttpMethod.Post, "/queue/level-filter", user, new { level_filter = 9.5 });
        tooHigh.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var item = (await tooHigh.ReadJsonAsync()).GetProperty("detail")[0];
        item.Str("type").ShouldBe("less_than_equal");
        item.GetProperty("loc").GetRawText().ShouldBe("""["body","level_filter"]""");

        (await Host.SendAsync(HttpMethod.Post, "/queue/level-filter", user, new { level_filter = (double?)null })).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task QueueEndpoints_RequireAuthentication()
    {
        var response = await Host.SendAsync(HttpMethod.Post, "/queue/roulette", null);
        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await response.Content.ReadAsStringAsync()).ShouldBe("""{"detail":"Not authenticated"}""");
    }
}
