using System.Net;
using Dapper;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Practice;

/// <summary>
/// LEVEL_SOURCE=measured: the measured band replaces current_level where the contract falls back to it (a level-filter
/// join without level_filter, partner_level in matched); a level_filter the user sent is always honoured.
/// </summary>
public sealed class LevelSourceTests
{
    /// <summary>A user who says 6.0 but whom two partners rated 8.0 three times.</summary>
    private static async Task<TestUser> MeasuredAtEightAsync(TestHost host)
    {
        var me = await host.RegisterAsync("Modest", level: 6.0);
        var ann = await host.RegisterAsync();
        var bob = await host.RegisterAsync();
        foreach (var rater in new[] { ann, bob, ann })
        {
            var session = await host.EndedSessionAsync(rater, me, TimeSpan.FromMinutes(10));
            await host.RateOkAsync(rater, session, 8.0);
        }

        return me;
    }

    private static async Task<double> TicketLevelAsync(TestHost host, TestUser user)
    {
        await using var db = await host.OpenDbAsync();
        return await db.ExecuteScalarAsync<double>("SELECT level_filter FROM queue_entries WHERE user_id = @Id AND is_active", new { user.Id });
    }

    [Fact]
    public async Task Measured_PairsByTheMeasuredBand_AndSendsItAsPartnerLevel()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["LEVEL_SOURCE"] = "measured" });
        var modest = await MeasuredAtEightAsync(host);
        var strong = await host.RegisterAsync("Strong", level: 8.0);
        await using var wm = await host.ConnectAsync(modest);
        await using var ws = await host.ConnectAsync(strong);

        await wm.SendAsync(new { type = "join_queue", data = new { mode = "level_filter" } });
        (await wm.WaitForAsync("queue_joined")).GetProperty("data").GetRawText().ShouldBe("""{"mode":"level_filter","level_filter":null}""");
        await ws.SendAsync(new { type = "join_queue", data = new { mode = "level_filter" } });

        (await ws.WaitForAsync("matched")).GetProperty("data").GetProperty("partner_level").GetDouble().ShouldBe(8.0);
        (await wm.WaitForAsync("matched")).GetProperty("data").GetProperty("partner_level").GetDouble().ShouldBe(8.0);
        (await host.GetOkAsync(modest, "/users/me/progress")).GetProperty("effective_level").GetDouble().ShouldBe(8.0);
    }

    [Fact]
    public async Task Measured_ALevelFilterTheUserSent_IsHonoured_AndRestFallsBackToTheMeasuredBand()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["LEVEL_SOURCE"] = "measured", ["ROULETTE_INTERVAL_SECONDS"] = "3600",
        });
        var modest = await MeasuredAtEightAsync(host);

        (await host.SendAsync(HttpMethod.Post, "/queue/level-filter", modest, new { level_filter = 6.5 })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await TicketLevelAsync(host, modest)).ShouldBe(6.5);
        (await host.SendAsync(HttpMethod.Post, "/queue/leave", modest)).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await host.SendAsync(HttpMethod.Post, "/queue/level-filter", modest, new { })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await TicketLevelAsync(host, modest)).ShouldBe(8.0);
    }

    [Fact]
    public async Task Self_TheDefault_KeepsCurrentLevel()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["ROULETTE_INTERVAL_SECONDS"] = "3600" });
        var modest = await MeasuredAtEightAsync(host);

        (await host.SendAsync(HttpMethod.Post, "/queue/level-filter", modest, new { })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await TicketLevelAsync(host, modest)).ShouldBe(6.0);
        var progress = await host.GetOkAsync(modest, "/users/me/progress");
        progress.GetProperty("measured_band").GetDouble().ShouldBe(8.0);
        progress.GetProperty("effective_level").GetDouble().ShouldBe(6.0);
    }
}
