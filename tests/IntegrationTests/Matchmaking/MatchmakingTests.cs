using System.Net;
using System.Text.Json;
using Dapper;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Speaking.Application.Queue;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Matchmaking;

public sealed class MatchmakingTests
{
    private static async Task<JsonElement> JoinAsync(WsClient ws, object data)
    {
        await ws.SendAsync(new { type = "join_queue", data });
        return await ws.NextAsync();
    }

    /// <summary>Runs one round right now, besides the background loop (the repository makes overlapping rounds safe).</summary>
    private static async Task<MatchRoundReport> RoundAsync(TestHost host)
    {
        await using var scope = host.App.Web.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new RunMatchRoundCommand());
    }

    [Fact]
    public async Task Roulette_TwoUsers_AreMatchedWithOppositeRoles_SameSession_AndPartnerFields()
    {
        await using var host = await TestHost.StartAsync();
        var a = await host.RegisterAsync("Alice", level: 6.5);
        var b = await host.RegisterAsync("Bobur", level: 7.0);
        await using var wa = await host.ConnectAsync(a);
        await using var wb = await host.ConnectAsync(b);

        (await JoinAsync(wa, new { mode = "roulette" })).GetRawText().ShouldBe("""{"type":"queue_joined","data":{"mode":"roulette","level_filter":null}}""");
        (await JoinAsync(wb, new { })).GetRawText().ShouldBe("""{"type":"queue_joined","data":{"mode":"roulette","level_filter":null}}""");

        var ma = (await wa.WaitForAsync("matched")).GetProperty("data");
        var mb = (await wb.WaitForAsync("matched")).GetProperty("data");

        ma.Keys().ShouldBe(["is_initiator", "partner_id", "partner_level", "partner_username", "practice", "room_id", "session_id"]);
        ma.GetProperty("is_initiator").GetBoolean().ShouldBeTrue();
        mb.GetProperty("is_initiator").GetBoolean().ShouldBeFalse();
        ma.Str("partner_id").ShouldBe(b.IdText);
        mb.Str("partner_id").ShouldBe(a.IdText);
        ma.Str("partner_username").ShouldBe("Bobur");
        mb.Str("partner_username").ShouldBe("Alice");
        ma.GetProperty("partner_level").GetDouble().ShouldBe(7.0);
        mb.GetProperty("partner_level").GetDouble().ShouldBe(6.5);
        ma.Str("session_id").ShouldBe(mb.Str("session_id"));
        ma.Str("room_id").ShouldBe(mb.Str("room_id"));
        ma.Str("room_id").ShouldMatch("^room_[0-9a-f]{12}$");

        await using var db = await host.OpenDbAsync();
        var row = await db.QuerySingleAsync("SELECT user1_id, user2_id, mode, status FROM sessions WHERE id = @id", new { id = Guid.Parse(ma.Str("session_id")) });
        ((Guid)row.user1_id).ShouldBe(a.Id);
        ((Guid)row.user2_id).ShouldBe(b.Id);
        ((string)row.mode).ShouldBe("roulette");
        ((string)row.status).ShouldBe("active");
        (await db.ExecuteScalarAsync<int>("SELECT count(*) FROM queue_entries WHERE is_active")).ShouldBe(0);
    }

    [Fact]
    public async Task LevelFilter_HalfABandApart_Match_AndAFullBandApart_DoNot()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["ROULETTE_INTERVAL_SECONDS"] = "3600" });
        var six = await host.RegisterAsync(level: 6.0);
        var seven = await host.RegisterAsync(level: 7.0);
        await using var w6 = await host.ConnectAsync(six);
        await using var w7 = await host.ConnectAsync(seven);

        await w6.SendTextAsync("""{"type":"join_queue","data":{"mode":"level_filter","level_filter":6.0}}""");
        (await w6.NextAsync()).GetRawText()
            .ShouldBe("""{"type":"queue_joined","data":{"mode":"level_filter","level_filter":6.0}}""");
        (await JoinAsync(w7, new { mode = "level_filter", level_filter = 7.0 })).Type().ShouldBe("queue_joined");
        (await RoundAsync(host)).Committed.ShouldBe(0);
        (await w6.DrainAsync()).ShouldBeEmpty();

        var sixHalf = await host.RegisterAsync(level: 6.5);
        await using var w65 = await host.ConnectAsync(sixHalf);
        (await JoinAsync(w65, new { mode = "level_filter" })).GetRawText()
            .ShouldBe("""{"type":"queue_joined","data":{"mode":"level_filter","level_filter":null}}""");
        (await RoundAsync(host)).Committed.ShouldBe(1);

        // 6.5 is within half a band of both; 6.0 joined first and is nearest in level order, so it pairs with 6.5.
        var m6 = (await w6.WaitForAsync("matched")).GetProperty("data");
        var m65 = (await w65.WaitForAsync("matched")).GetProperty("data");
        m6.Str("partner_id").ShouldBe(sixHalf.IdText);
        m6.GetProperty("is_initiator").GetBoolean().ShouldBeTrue();
        m65.GetProperty("is_initiator").GetBoolean().ShouldBeFalse();
        (await w7.DrainAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task SocketJoin_IsValidated()
    {
        await using var host = await TestHost.StartAsync();
        var user = await host.RegisterAsync();
        await using var ws = await host.ConnectAsync(user);

        (await JoinAsync(ws, new { mode = "speed_dating" })).GetRawText().ShouldBe("""{"type":"error","message":"Invalid mode"}""");
        (await JoinAsync(ws, new { mode = "level_filter", level_filter = 100 })).GetRawText()
            .ShouldBe("""{"type":"error","message":"level_filter must be a number between 1.0 and 9.0"}""");
        (await JoinAsync(ws, new { mode = "level_filter", level_filter = "6.5" })).GetRawText()
            .ShouldBe("""{"type":"error","message":"level_filter must be a number between 1.0 and 9.0"}""");
        (await JoinAsync(ws, new { mode = "roulette" })).Type().ShouldBe("queue_joined");
        (await JoinAsync(ws, new { mode = "roulette" })).GetRawText().ShouldBe("""{"type":"error","message":"Already in queue"}""");

        await ws.SendAsync(new { type = "leave_queue" });
        (await ws.NextAsync()).GetRawText().ShouldBe("""{"type":"queue_left"}""");
        await ws.SendAsync(new { type = "leave_queue" });
        (await ws.NextAsync()).GetRawText().ShouldBe("""{"type":"queue_left"}""");
    }

    [Fact]
    public async Task RestAndSocketJoins_OfOneUser_NeverMakeTwoTickets()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["ROULETTE_INTERVAL_SECONDS"] = "3600" });
        for (var round = 0; round < 5; round++)
        {
            var user = await host.RegisterAsync();
            await using var ws1 = await host.ConnectAsync(user);
            await using var ws2 = await host.ConnectAsync(user);

            var rest = Enumerable.Range(0, 3).Select(_ => host.SendAsync(HttpMethod.Post, "/queue/roulette", user)).ToArray();
            await ws1.SendAsync(new { type = "join_queue", data = new { mode = "roulette" } });
            await ws2.SendAsync(new { type = "join_queue", data = new { mode = "level_filter", level_filter = 6 } });
            var statuses = (await Task.WhenAll(rest)).Select(r => r.StatusCode).ToArray();
            var replies = new[] { await ws1.NextAsync(), await ws2.NextAsync() };

            var successes = statuses.Count(s => s == HttpStatusCode.OK) + replies.Count(r => r.Type() == "queue_joined");
            successes.ShouldBe(1);
            statuses.Where(s => s != HttpStatusCode.OK).ShouldAllBe(s => s == HttpStatusCode.BadRequest);
            replies.Where(r => r.Type() != "queue_joined").ShouldAllBe(r => r.GetRawText() == """{"type":"error","message":"Already in queue"}""");
            await using var db = await host.OpenDbAsync();
            (await db.ExecuteScalarAsync<int>("SELECT count(*) FROM queue_entries WHERE user_id = @Id AND is_active", new { user.Id })).ShouldBe(1);
        }
    }

    [Fact]
    public async Task UserInAnActiveSession_CannotJoin_AndIsNeverMatchedAgain()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["ROULETTE_INTERVAL_SECONDS"] = "3600" });
        var a = await host.RegisterAsync();
        var partner = await host.RegisterAsync();
        var b = await host.RegisterAsync();
        await host.StartAsync(a, partner);
        await using var wa = await host.ConnectAsync(a);
        await wa.WaitForAsync("matched"); // A's connection takes over A's side of the session
        await using var wb = await host.ConnectAsync(b);

        (await JoinAsync(wa, new { mode = "roulette" })).GetRawText().ShouldBe("""{"type":"error","message":"Already in a session"}""");
        var rest = await host.SendAsync(HttpMethod.Post, "/queue/roulette", a);
        rest.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await rest.Content.ReadAsStringAsync()).ShouldBe("""{"detail":"You are already in a session"}""");

        // A ticket that slipped in anyway (written directly) is skipped by the matcher.
        await using (var db = await host.OpenDbAsync())
            await db.ExecuteAsync("INSERT INTO queue_entries (id, user_id, mode, joined_at) VALUES (@id, @user, 'roulette', now() - interval '1 minute')",
                new { id = Guid.NewGuid(), user = a.Id });
        (await JoinAsync(wb, new { mode = "roulette" })).Type().ShouldBe("queue_joined");
        (await RoundAsync(host)).Committed.ShouldBe(0);
        (await wa.DrainAsync()).ShouldBeEmpty();
        (await wb.DrainAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task RestQueuedUserWithoutConnection_StaysQueued_UnlessTheSettingIsOff()
    {
        await using (var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["ROULETTE_INTERVAL_SECONDS"] = "3600" }))
        {
            var a = await host.RegisterAsync();
            var b = await host.RegisterAsync();
            (await host.SendAsync(HttpMethod.Post, "/queue/roulette", a)).StatusCode.ShouldBe(HttpStatusCode.OK);
            (await host.SendAsync(HttpMethod.Post, "/queue/roulette", b)).StatusCode.ShouldBe(HttpStatusCode.OK);
            (await RoundAsync(host)).Committed.ShouldBe(0);
            (await (await host.SendAsync(HttpMethod.Get, "/queue/status", a)).ReadJsonAsync()).GetProperty("in_queue").GetBoolean().ShouldBeTrue();
        }

        await using (var host = await TestHost.StartAsync(new Dictionary<string, string?>
                     {
                         ["ROULETTE_INTERVAL_SECONDS"] = "3600", ["MATCH_REQUIRES_CONNECTION"] = "false",
                     }))
        {
            var a = await host.RegisterAsync();
            var b = await host.RegisterAsync();
            (await host.SendAsync(HttpMethod.Post, "/queue/roulette", a)).StatusCode.ShouldBe(HttpStatusCode.OK);
            (await host.SendAsync(HttpMethod.Post, "/queue/roulette", b)).StatusCode.ShouldBe(HttpStatusCode.OK);
            (await RoundAsync(host)).Committed.ShouldBe(1);
        }
    }

    [Fact]
    public async Task Restart_LeavesNobodyOnline_NoTicketActive_AndEndsAnAbandonedSessionWhenItsGraceRunsOut()
    {
        var connectionString = await SharedPostgres.CreateDatabaseAsync();
        TestUser a, b;
        Guid session;
        await using (var first = await TestHost.StartAsync(connectionString: connectionString))
        {
            a = await first.RegisterAsync();
            b = await first.RegisterAsync();
            session = await first.StartAsync(a, b);
            await using var db = await first.OpenDbAsync();
            // What a crash leaves behind: flags and rows that no clean-up got to reset.
            await db.ExecuteAsync("UPDATE users SET is_online = true");
            await db.ExecuteAsync("INSERT INTO queue_entries (id, user_id, mode) VALUES (@id, @user, 'roulette')", new { id = Guid.NewGuid(), user = b.Id });
        }

        await using (var db = new Npgsql.NpgsqlConnection(connectionString))
        {
            await db.ExecuteAsync("UPDATE users SET is_online = true");
            (await db.ExecuteScalarAsync<int>("SELECT count(*) FROM queue_entries WHERE is_active")).ShouldBe(1);
        }

        // Amendment A-3: the start clears presence and tickets at once, but gives the session the reconnect grace
        // (nobody comes back here, so it is cancelled when the stored deadline passes).
        await using var second = await TestHost.StartAsync(new Dictionary<string, string?> { ["SESSION_RECONNECT_GRACE_SECONDS"] = "2" },
            connectionString: connectionString);
        await using var check = await second.OpenDbAsync();
        (await check.ExecuteScalarAsync<int>("SELECT count(*) FROM users WHERE is_online")).ShouldBe(0);
        (await check.ExecuteScalarAsync<int>("SELECT count(*) FROM queue_entries WHERE is_active")).ShouldBe(0);
        (await check.ExecuteScalarAsync<int>("SELECT count(*) FROM session_participants WHERE session_id = @session AND reconnect_deadline IS NOT NULL",
            new { session })).ShouldBe(2);
        (await Sessions.EventuallyAsync(async () => await second.SessionStatusAsync(session) == "cancelled")).ShouldBeTrue();
    }

    [Fact]
    public async Task TwoHundredQueuedUsers_AreAllMatchedExactlyOnce()
    {
        const int count = 200;
        await using var host = await TestHost.StartAsync();
        var users = await Task.WhenAll(Enumerable.Range(0, count).Select(_ => host.RegisterAsync()));
        var sockets = new WsClient[count];
        for (var i = 0; i < count; i++) sockets[i] = await host.ConnectAsync(users[i]);
        try
        {
            await Task.WhenAll(sockets.Select(async (ws, i) =>
            {
                await ws.SendAsync(new { type = "join_queue", data = i % 2 == 0 ? (object)new { mode = "roulette" } : new { } }); // no mode means roulette
                (await ws.NextAsync()).Type().ShouldBe("queue_joined");
            }));

            var matches = await Task.WhenAll(sockets.Select(ws => ws.WaitForAsync("matched", TimeSpan.FromSeconds(60))));
            var partnerOf = matches.Select(m => Guid.Parse(m.GetProperty("data").Str("partner_id"))).ToArray();
            for (var i = 0; i < count; i++)
            {
                partnerOf[i].ShouldNotBe(users[i].Id);
                var j = Array.FindIndex(users, u => u.Id == partnerOf[i]);
                partnerOf[j].ShouldBe(users[i].Id);
                matches[i].GetProperty("data").Str("session_id").ShouldBe(matches[j].GetProperty("data").Str("session_id"));
            }

            foreach (var ws in sockets) (await ws.DrainAsync()).ShouldBeEmpty(); // never a second "matched"
            await using var db = await host.OpenDbAsync();
            (await db.ExecuteScalarAsync<int>("SELECT count(*) FROM sessions")).ShouldBe(count / 2);
            (await db.ExecuteScalarAsync<int>("SELECT count(*) FROM sessions WHERE user1_id = user2_id")).ShouldBe(0);
            (await db.ExecuteScalarAsync<int>("""
                SELECT count(*) FROM (SELECT user1_id AS u FROM sessions UNION ALL SELECT user2_id FROM sessions) s GROUP BY u HAVING count(*) > 1
                """)).ShouldBe(0);
        }
        finally
        {
            await Task.WhenAll(sockets.Select(s => s.DisposeAsync().AsTask()));
        }
    }
}
