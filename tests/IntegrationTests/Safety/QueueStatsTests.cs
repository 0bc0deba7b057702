using System.Net;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Speaking.Application.Queue;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Safety;

/// <summary><c>GET /queue/stats</c> checked against a queue and a match history whose numbers are known.</summary>
public sealed class QueueStatsTests : HostPerTest
{
    /// <summary>A match of the past: a completed session and its two closed tickets, which waited the given seconds.</summary>
    private async Task PastMatchAsync(string mode, DateTime startedAt, (double Wait, double? Level) first, (double Wait, double? Level) second)
    {
        var a = await Host.RegisterAsync();
        var b = await Host.RegisterAsync();
        var session = await Host.PastSessionAsync(a, b, startedAt);
        await using var db = await Host.OpenDbAsync();
        await db.ExecuteAsync("UPDATE sessions SET mode = @mode WHERE id = @session", new { mode, session });
        foreach (var (user, (wait, level)) in new[] { (a, first), (b, second) })
        {
            await db.ExecuteAsync("""
                INSERT INTO queue_entries (id, user_id, mode, level_filter, joined_at, is_active, session_id)
                VALUES (@id, @userId, @mode, @level, @joinedAt, false, @session)
                """, new { id = Guid.NewGuid(), userId = user.Id, mode, level, joinedAt = startedAt.AddSeconds(-wait), session });
        }
    }

    private async Task JoinAsync(TestUser user, double? level = null)
    {
        var response = level is { } l
            ? await Host.SendAsync(HttpMethod.Post, "/queue/level-filter", user, new { level_filter = l })
            : await Host.SendAsync(HttpMethod.Post, "/queue/roulette", user);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private async Task<JsonElement> StatsAsync(TestUser caller)
    {
        var response = await Host.SendAsync(HttpMethod.Get, "/queue/stats", caller);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return await response.ReadJsonAsync();
    }

    private static void ShouldBeExactly(JsonElement actual, string expected) =>
        System.Text.Json.Nodes.JsonNode.DeepEquals(System.Text.Json.Nodes.JsonNode.Parse(actual.GetRawText()), System.Text.Json.Nodes.JsonNode.Parse(expected))
            .ShouldBeTrue($"{actual.GetRawText()} is not {expected}");

    [Fact]
    public async Task Stats_MatchAKnownQueueAndHistory()
    {
        // Waiting (REST joins without a socket: the matcher leaves them queued): 2 roulette; level filter 6.0, 6.3, 8.0.
        await JoinAsync(await Host.RegisterAsync());
        await JoinAsync(await Host.RegisterAsync());
        var at60 = await Host.RegisterAsync();
        await JoinAsync(at60, 6.0);
        await JoinAsync(await Host.RegisterAsync(), 6.3);
        await JoinAsync(await Host.RegisterAsync(), 8.0);

        // The last hour: roulette waits 10, 30 and 20, 40 (median 25); level filter 50, 70 at 6.0 and 100, 200 at 7.2
        // (median 85; band 6.0: 60; band 7.0: 150). Two hours ago (outside): waits of 1000 s.
        var now = DateTime.UtcNow;
        await PastMatchAsync("roulette", now.AddMinutes(-10), (10, null), (30, null));
        await PastMatchAsync("roulette", now.AddMinutes(-50), (20, null), (40, null));
        await PastMatchAsync("level_filter", now.AddMinutes(-20), (50, 6.0), (70, 6.0));
        await PastMatchAsync("level_filter", now.AddMinutes(-30), (100, 7.2), (200, 7.2));
        await PastMatchAsync("roulette", now.AddHours(-2), (1000, null), (1000, null));
        await PastMatchAsync("level_filter", now.AddHours(-2), (1000, 6.0), (1000, 7.0));

        const string common = """
            "waiting":{"roulette":2,"level_filter":3},
            "waiting_by_band":[{"band":6,"waiting":2},{"band":8,"waiting":1}],
            "matches_last_hour":{"roulette":2,"level_filter":2},
            "median_wait_seconds":{"roulette":25,"level_filter":85}
            """;
        // Not queued, level 6.3: someone within ±0.5 waits, so the next round (ROULETTE_INTERVAL_SECONDS = 1 here).
        ShouldBeExactly(await StatsAsync(await Host.RegisterAsync(level: 6.3)), "{" + common + """, "your_band":{"level":6.3,"band":6,"queued":false,"estimated_wait_seconds":1,"basis":"partner_waiting"}}""");
        // Queued at 6.0: the ticket's level; 6.3 is within ±0.5.
        ShouldBeExactly(await StatsAsync(at60), "{" + common + """, "your_band":{"level":6,"band":6,"queued":true,"estimated_wait_seconds":1,"basis":"partner_waiting"}}""");
        // Level 7.0: nobody within ±0.5; band 7.0's median wait of the last hour.
        ShouldBeExactly(await StatsAsync(await Host.RegisterAsync(level: 7.0)), "{" + common + """, "your_band":{"level":7,"band":7,"queued":false,"estimated_wait_seconds":150,"basis":"band_median"}}""");
        // Level 9.0: nobody within ±0.5, no match in band 9.0: the level filter's median.
        ShouldBeExactly(await StatsAsync(await Host.RegisterAsync(level: 9.0)), "{" + common + """, "your_band":{"level":9,"band":9,"queued":false,"estimated_wait_seconds":85,"basis":"mode_median"}}""");
    }

    [Fact]
    public async Task AnEmptyQueue_HasZerosNullsAndNoEstimate()
    {
        ShouldBeExactly(await StatsAsync(await Host.RegisterAsync(level: 5.5)), """
            {"waiting":{"roulette":0,"level_filter":0},"waiting_by_band":[],"matches_last_hour":{"roulette":0,"level_filter":0},
             "median_wait_seconds":{"roulette":null,"level_filter":null},
             "your_band":{"level":5.5,"band":5.5,"queued":false,"estimated_wait_seconds":null,"basis":"none"}}
            """);
    }

    [Fact]
    public async Task ARealMatch_RecordsItsSessionOnBothTickets_AndCountsInTheStats()
    {
        var a = await Host.RegisterAsync();
        var b = await Host.RegisterAsync();
        await using var wsA = await Host.ConnectAsync(a);
        await using var wsB = await Host.ConnectAsync(b);

        var sessionId = await Sessions.MatchAsync(wsA, wsB);

        await using (var db = await Host.OpenDbAsync())
        {
            var tickets = (await db.QueryAsync<(Guid UserId, bool IsActive)>(
                "SELECT user_id, is_active FROM queue_entries WHERE session_id = @sessionId", new { sessionId })).ToList();
            tickets.Select(t => t.UserId).ShouldBe([a.Id, b.Id], ignoreOrder: true);
            tickets.ShouldAllBe(t => !t.IsActive);
        }

        var stats = await StatsAsync(a);
        stats.GetProperty("matches_last_hour").GetProperty("roulette").GetInt32().ShouldBe(1);
        stats.GetProperty("median_wait_seconds").GetProperty("roulette").GetDouble().ShouldBeGreaterThanOrEqualTo(0);
    }

    [Fact]
    public async Task Stats_NeedAToken() =>
        await (await Host.SendAsync(HttpMethod.Get, "/queue/stats", null)).ShouldBeUnauthorizedAsync("Not authenticated");
}

/// <summary>Opt-in widening and no instant re-pairing: what this side stores for the pairing function.</summary>
public sealed class FairMatchingTests : HostPerTest
{
    [Theory]
    [InlineData("level_filter", true, true)]
    [InlineData("level_filter", false, false)]
    [InlineData("roulette", true, false)]
    public async Task Widen_IsStoredWithALevelFilterTicketOnly(string mode, bool widen, bool stored)
    {
        var user = await Host.RegisterAsync();
        await using var ws = await Host.ConnectAsync(user);

        await ws.SendAsync(new { type = "join_queue", data = new { mode, widen } });
        var joined = await ws.WaitForAsync("queue_joined");

        joined.GetProperty("data").Keys().ShouldBe(["level_filter", "mode"], "the contract's reply is unchanged");
        await using var db = await Host.OpenDbAsync();
        (await db.ExecuteScalarAsync<bool>("SELECT widen FROM queue_entries WHERE user_id = @Id AND is_active", new { user.Id })).ShouldBe(stored);
        // ... and read back into the ticket the pairing function sees.
        var queue = Host.App.Web.Services.GetRequiredService<IQueueRepository>();
        (await queue.ListActiveAsync(default)).ShouldHaveSingleItem().Ticket.Widen.ShouldBe(stored);
        (await queue.GetActiveAsync(user.Id, default)).ShouldNotBeNull().Widen.ShouldBe(stored);
    }

    [Fact]
    public async Task Roulette_WithThreeUsers_DoesNotRepairTheLastPair_WhileTheThirdIsWaiting()
    {
        var a = await Host.RegisterAsync();
        var b = await Host.RegisterAsync();
        var c = await Host.RegisterAsync();
        await using var wsA = await Host.ConnectAsync(a);
        await using var wsB = await Host.ConnectAsync(b);
        await using var wsC = await Host.ConnectAsync(c);
        var first = await Sessions.MatchAsync(wsA, wsB);
        await wsA.SendAsync(new { type = "end_session", data = new { session_id = first } });
        await wsA.WaitForAsync("session_ended");
        await wsB.WaitForAsync("session_ended");

        // A and B queue again first (join order would pair them), then C. A round runs every second and two recent
        // partners alone in the queue are paired (the last resort), so A and B sit rounds out until all three wait: a
        // suspension keeps a ticket waiting, and one statement lifts both.
        foreach (var (ws, user) in new[] { (wsA, a), (wsB, b), (wsC, c) })
        {
            await ws.SendAsync(new { type = "join_queue", data = new { mode = "roulette" } });
            await ws.WaitForAsync("queue_joined");
            if (user != c) await HoldAsync(true, user);
        }

        await HoldAsync(false, a, b);

        // Join order A, B, C: A skips its recent partner B for C; B keeps waiting.
        Guid.Parse((await wsC.WaitForAsync("matched")).GetProperty("data").Str("partner_id")).ShouldBe(a.Id);
        Guid.Parse((await wsA.WaitForAsync("matched")).GetProperty("data").Str("partner_id")).ShouldBe(c.Id);
        (await wsB.DrainAsync()).ShouldBeEmpty();
        (await Host.IsQueuedAsync(b)).ShouldBeTrue();
    }

    /// <summary>Suspends the users for an hour (their tickets wait, unpaired), or lifts that, in one statement.</summary>
    private async Task HoldAsync(bool held, params TestUser[] users)
    {
        await using var db = await Host.OpenDbAsync();
        await db.ExecuteAsync("UPDATE users SET suspended_until = CASE WHEN @held THEN now() + interval '1 hour' END WHERE id = ANY(@ids)",
            new { held, ids = users.Select(u => u.Id).ToArray() });
    }
}
