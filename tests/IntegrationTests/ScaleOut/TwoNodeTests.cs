using System.Net;
using System.Text.Json;
using Dapper;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.ScaleOut;

/// <summary>
/// Issue 14: several nodes on Redis, one PostgreSQL, no sticky sessions. Real redis-server, two service instances on
/// loopback ports (a third as a process where a node must die), and real nginx in front where a client reconnects.
/// </summary>
public sealed class TwoNodeTests
{
    private static async Task RelayBothWaysAsync(WsClient a, TestUser userA, WsClient b, TestUser userB)
    {
        await a.SendAsync(new { type = "offer", data = new { target_user_id = userB.IdText, data = new { type = "offer", sdp = "v=0 offer" } } });
        var offer = await b.WaitForAsync("offer");
        offer.Str("from_user_id").ShouldBe(userA.IdText);
        offer.GetProperty("data").Str("sdp").ShouldBe("v=0 offer");
        await b.SendAsync(new { type = "answer", data = new { target_user_id = userA.IdText, data = new { type = "answer", sdp = "v=0 answer" } } });
        (await a.WaitForAsync("answer")).GetProperty("data").Str("sdp").ShouldBe("v=0 answer");
        await a.SendAsync(new { type = "ice_candidate", data = new { target_user_id = userB.IdText, data = new { candidate = new { candidate = "candidate:a" } } } });
        (await b.WaitForAsync("ice_candidate")).GetProperty("data").GetProperty("candidate").Str("candidate").ShouldBe("candidate:a");
        await b.SendAsync(new { type = "ice_candidate", data = new { target_user_id = userA.IdText, data = new { candidate = new { candidate = "candidate:b" } } } });
        (await a.WaitForAsync("ice_candidate")).GetProperty("data").GetProperty("candidate").Str("candidate").ShouldBe("candidate:b");
        await a.SendAsync(new { type = "chat", data = new { target_user_id = userB.IdText, message = "salom" } });
        (await b.WaitForAsync("chat")).Str("message").ShouldBe("salom");
        await b.SendAsync(new { type = "chat", data = new { target_user_id = userA.IdText, message = "hello" } });
        (await a.WaitForAsync("chat")).Str("message").ShouldBe("hello");
    }

    [Fact]
    public async Task RouletteAndLevelFilter_AcrossNodes_RelayEverythingBothWays_AndEndReachesThePartner()
    {
        await using var cluster = await Cluster.StartAsync();
        var a = await cluster.Node1.RegisterAsync(level: 6.5);
        var b = await cluster.Node1.RegisterAsync(level: 7.0);
        await using var wa = await cluster.Node1.ConnectAsync(a);
        await using var wb = await cluster.Node2.ConnectAsync(b);

        var session = await Sessions.MatchAsync(wa, wb);
        await RelayBothWaysAsync(wa, a, wb, b);
        await wa.SendAsync(new { type = "end_session", data = new { session_id = session.ToString() } });
        (await wb.WaitForAsync("session_ended")).GetProperty("data").Str("session_id").ShouldBe(session.ToString());
        (await wa.WaitForAsync("session_ended")).GetProperty("data").Str("session_id").ShouldBe(session.ToString());

        await wb.SendAsync(new { type = "join_queue", data = new { mode = "level_filter", level_filter = 7.0 } });
        await wb.WaitForAsync("queue_joined");
        await wa.SendAsync(new { type = "join_queue", data = new { mode = "level_filter", level_filter = 6.5 } });
        await wa.WaitForAsync("queue_joined");
        var matchedB = await wb.WaitForAsync("matched");
        var matchedA = await wa.WaitForAsync("matched");
        matchedA.GetProperty("data").Str("session_id").ShouldBe(matchedB.GetProperty("data").Str("session_id"));
        matchedB.GetProperty("data").GetProperty("is_initiator").GetBoolean().ShouldBeTrue(); // B joined first
        await RelayBothWaysAsync(wb, b, wa, a);
    }

    [Fact]
    public async Task Invitation_AcrossNodes_IsDeliveredAccepted_AndDeclined()
    {
        await using var cluster = await Cluster.StartAsync();
        var a = await cluster.Node1.RegisterAsync("Anna");
        var b = await cluster.Node1.RegisterAsync("Bek");
        await cluster.Node1.MakePartnersAsync(a, b);
        await using var wa = await cluster.Node1.ConnectAsync(a);
        await using var wb = await cluster.Node2.ConnectAsync(b);

        await wa.SendAsync(new { type = "invite_partner", data = new { partner_user_id = b.IdText } });
        (await wa.WaitForAsync("invite_sent")).Str("message").ShouldBe("Taklif yuborildi!");
        (await wb.WaitForAsync("partner_invite")).Str("from_username").ShouldBe("Anna");
        await wb.SendAsync(new { type = "invite_response", data = new { inviter_user_id = a.IdText, accepted = false } });
        (await wa.WaitForAsync("invite_rejected")).Str("message").ShouldBe("Taklif rad etildi");

        await wa.SendAsync(new { type = "invite_partner", data = new { partner_user_id = b.IdText } });
        await wa.WaitForAsync("invite_sent");
        await wb.WaitForAsync("partner_invite");
        await wb.SendAsync(new { type = "invite_response", data = new { inviter_user_id = a.IdText, accepted = true } });
        var callee = await wb.WaitForAsync("matched");
        var initiator = await wa.WaitForAsync("matched");
        initiator.GetProperty("data").GetProperty("is_initiator").GetBoolean().ShouldBeTrue();
        callee.GetProperty("data").Str("session_id").ShouldBe(initiator.GetProperty("data").Str("session_id"));
        await RelayBothWaysAsync(wa, a, wb, b);
    }

    [Fact]
    public async Task OnlineListAndCount_AgreeOnBothNodes_AndASecondTabOnTheOtherNodeFollowsD14()
    {
        await using var cluster = await Cluster.StartAsync();
        var a = await cluster.Node1.RegisterAsync();
        var b = await cluster.Node1.RegisterAsync();
        var c = await cluster.Node1.RegisterAsync();
        await cluster.Node1.MakePartnersAsync(b, a);
        await using var wa = await cluster.Node1.ConnectAsync(a);
        await using var wb = await cluster.Node2.ConnectAsync(b);
        await using var wc = await cluster.Node2.ConnectAsync(c);

        async Task<(string[] Online, int Count)> ViewAsync(TestHost node)
        {
            var list = await (await node.SendAsync(HttpMethod.Get, "/users?online_only=true", a)).ReadJsonAsync();
            var count = await (await node.SendAsync(HttpMethod.Get, "/users/online/count", a)).ReadJsonAsync();
            return (list.EnumerateArray().Select(u => u.Str("id")).Order().ToArray(), count.GetProperty("online_count").GetInt32());
        }

        var expected = new[] { a.IdText, b.IdText, c.IdText }.Order().ToArray();
        (await Sessions.EventuallyAsync(async () => (await ViewAsync(cluster.Node1)).Online.SequenceEqual(expected))).ShouldBeTrue();
        var one = await ViewAsync(cluster.Node1);
        var two = await ViewAsync(cluster.Node2);
        two.Online.ShouldBe(one.Online);
        one.Count.ShouldBe(3);
        two.Count.ShouldBe(3);

        // A's newer tab opens on node 2: a message for A (not tied to a session) goes there, across nodes (D-14).
        await using var newerTab = await cluster.Node2.ConnectAsync(a);
        await wb.SendAsync(new { type = "invite_partner", data = new { partner_user_id = a.IdText } });
        await wb.WaitForAsync("invite_sent");
        (await newerTab.WaitForAsync("partner_invite")).Str("from_user_id").ShouldBe(b.IdText);
        (await wa.DrainAsync()).ShouldBeEmpty();

        // Closing the newer tab: the older one on node 1 receives again; A is still online everywhere.
        await newerTab.CloseAsync();
        await wb.SendAsync(new { type = "invite_partner", data = new { partner_user_id = a.IdText } });
        await wb.WaitForAsync("invite_sent");
        (await wa.WaitForAsync("partner_invite")).Str("from_user_id").ShouldBe(b.IdText);
        (await ViewAsync(cluster.Node2)).Count.ShouldBe(3);
    }

    [Fact]
    public async Task RelayToANonPartner_IsRefusedAcrossNodes_AndAfterEndingOnNode1_ARelayFromNode2IsRefused()
    {
        await using var cluster = await Cluster.StartAsync();
        var a = await cluster.Node1.RegisterAsync();
        var b = await cluster.Node1.RegisterAsync();
        var stranger = await cluster.Node1.RegisterAsync();
        await using var wa = await cluster.Node1.ConnectAsync(a);
        await using var wb = await cluster.Node2.ConnectAsync(b);
        await using var ws = await cluster.Node2.ConnectAsync(stranger);
        var session = await Sessions.MatchAsync(wa, wb);

        await ws.SendAsync(new { type = "offer", data = new { target_user_id = a.IdText, data = new { type = "offer", sdp = "v=0" } } });
        (await ws.NextAsync()).Str("message").ShouldBe("Not in an active session with this user");
        await wa.SendAsync(new { type = "chat", data = new { target_user_id = stranger.IdText, message = "hi" } });
        (await wa.NextAsync()).Str("message").ShouldBe("Not in an active session with this user");
        (await ws.DrainAsync()).ShouldBeEmpty();

        await wa.SendAsync(new { type = "end_session", data = new { session_id = session.ToString() } });
        await wa.WaitForAsync("session_ended");
        await wb.WaitForAsync("session_ended");
        await wb.SendAsync(new { type = "offer", data = new { target_user_id = a.IdText, data = new { type = "offer", sdp = "v=0" } } });
        (await wb.NextAsync()).Str("message").ShouldBe("Not in an active session with this user");
        (await wa.DrainAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task CalleeReloadsOnNode2_TheInitiatorOnNode1IsRestartedAfterTheHeadStart_AndRelaysFlow()
    {
        await using var cluster = await Cluster.StartAsync(new Dictionary<string, string?>
        {
            ["SESSION_RECONNECT_GRACE_SECONDS"] = "30", ["RESUME_CALLEE_HEAD_START_MS"] = "1000",
        });
        var a = await cluster.Node1.RegisterAsync();
        var b = await cluster.Node1.RegisterAsync();
        await using var wa = await cluster.Node1.ConnectAsync(a);
        var wb = await cluster.Node2.ConnectAsync(b);
        var session = await Sessions.MatchAsync(wa, wb); // a is the initiator
        await wb.CloseAsync();
        await wb.DisposeAsync();
        (await Sessions.EventuallyAsync(async () => await cluster.Node1.ReconnectDeadlineAsync(session, b) is not null)).ShouldBeTrue();

        await using var again = await cluster.Node2.ConnectAsync(b);
        (await again.NextAsync()).GetProperty("data").Str("session_id").ShouldBe(session.ToString());
        // The deferred restart runs on node 2 and reaches the initiator's socket on node 1 through Redis.
        (await wa.NextAsync()).Type().ShouldBe("session_ended");
        var restarted = (await wa.NextAsync()).GetProperty("data");
        restarted.Str("session_id").ShouldBe(session.ToString());
        restarted.GetProperty("is_initiator").GetBoolean().ShouldBeTrue();
        await RelayBothWaysAsync(wa, a, again, b);
    }

    [Fact]
    public async Task KilledNode_ItsUserReconnectsThroughNginxToTheSurvivor_AndTheCallContinues()
    {
        await using var cluster = await Cluster.StartAsync(new Dictionary<string, string?> { ["SESSION_RECONNECT_GRACE_SECONDS"] = "30" });
        await using var doomed = await cluster.StartProcessNodeAsync();
        await using var nginx = await NginxProxy.StartAsync([$"127.0.0.1:{cluster.Node1.App.BoundPort}", $"127.0.0.1:{doomed.Port}"]);
        var a = await cluster.Node1.RegisterAsync();
        var b = await cluster.Node1.RegisterAsync();
        await using var wa = await cluster.Node1.ConnectAsync(a);
        var wb = await doomed.ConnectAsync(b);
        var session = await Sessions.MatchAsync(wa, wb);

        await doomed.KillAsync();
        await wb.Closed.Task.WaitAsync(TimeSpan.FromSeconds(15));
        await wb.DisposeAsync();

        // The frontend reconnects to the same URL: through nginx, which can only reach node 1 now.
        await using var again = await nginx.ConnectAsync(b);
        var resumed = await again.WaitForAsync("matched", TimeSpan.FromSeconds(30));
        resumed.GetProperty("data").Str("session_id").ShouldBe(session.ToString());
        await wa.WaitForAsync("session_ended", TimeSpan.FromSeconds(30));
        (await wa.WaitForAsync("matched")).GetProperty("data").Str("session_id").ShouldBe(session.ToString());
        await RelayBothWaysAsync(wa, a, again, b);
        (await cluster.Node1.SessionStatusAsync(session)).ShouldBe("active");
    }

    [Fact]
    public async Task KilledNode_AUserWhoDoesNotComeBack_GoesOfflineWithinTheHeartbeatBound_AndThePartnerIsToldAfterTheGrace()
    {
        await using var cluster = await Cluster.StartAsync(new Dictionary<string, string?> { ["SESSION_RECONNECT_GRACE_SECONDS"] = "3" });
        await using var doomed = await cluster.StartProcessNodeAsync();
        var a = await cluster.Node1.RegisterAsync();
        var b = await cluster.Node1.RegisterAsync();
        await using var wa = await cluster.Node1.ConnectAsync(a);
        await using var wb = await doomed.ConnectAsync(b);
        var session = await Sessions.MatchAsync(wa, wb);
        (await cluster.Node1.IsOnlineAsync(b)).ShouldBeTrue();

        await doomed.KillAsync();

        // Three missed one-second beats declare the node dead; the survivor closes its connections.
        (await Sessions.EventuallyAsync(async () => !await cluster.Node1.IsOnlineAsync(b), seconds: 20)).ShouldBeTrue();
        (await wa.WaitForAsync("session_ended", TimeSpan.FromSeconds(30))).GetProperty("data").Str("session_id").ShouldBe(session.ToString());
        (await cluster.Node1.SessionStatusAsync(session)).ShouldBe("cancelled");
        await using var db = await cluster.Node1.OpenDbAsync();
        (await db.ExecuteScalarAsync<int>("SELECT count(*) FROM queue_entries WHERE user_id = @Id AND is_active", new { b.Id })).ShouldBe(0);
    }

    [Fact]
    public async Task RestartingNode1_NeverCancelsASessionHeldOnNode2()
    {
        await using var cluster = await Cluster.StartAsync();
        var a = await cluster.Node2.RegisterAsync();
        var b = await cluster.Node2.RegisterAsync();
        await using var wa = await cluster.Node2.ConnectAsync(a);
        await using var wb = await cluster.Node2.ConnectAsync(b);
        var session = await Sessions.MatchAsync(wa, wb);

        await cluster.RestartNode1Async();
        await Task.Delay(TimeSpan.FromSeconds(3)); // several reconciliation passes of the new node, which may hold the lock now

        (await cluster.Node1.SessionStatusAsync(session)).ShouldBe("active");
        (await cluster.Node1.ReconnectDeadlineAsync(session, a)).ShouldBeNull();
        (await cluster.Node1.IsOnlineAsync(a)).ShouldBeTrue();
        await RelayBothWaysAsync(wa, a, wb, b);
        (await wa.DrainAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task ASessionWhoseUsersVanishWithAKilledNode_IsCancelledByASurvivor_OnceItsDeadlinePasses()
    {
        await using var cluster = await Cluster.StartAsync(new Dictionary<string, string?> { ["SESSION_RECONNECT_GRACE_SECONDS"] = "2" });
        await using var doomed = await cluster.StartProcessNodeAsync();
        var a = await cluster.Node1.RegisterAsync();
        var b = await cluster.Node1.RegisterAsync();
        await using var wa = await doomed.ConnectAsync(a);
        await using var wb = await doomed.ConnectAsync(b);
        var session = await Sessions.MatchAsync(wa, wb);

        await doomed.KillAsync();

        (await Sessions.EventuallyAsync(async () => await cluster.Node1.SessionStatusAsync(session) == "cancelled", seconds: 30)).ShouldBeTrue();
        (await cluster.Node1.IsOnlineAsync(a)).ShouldBeFalse();
        (await cluster.Node1.IsOnlineAsync(b)).ShouldBeFalse();
    }

    [Fact]
    public async Task RedisOutage_ReadinessReportsItButStaysUp_RealtimeAnswersClearly_AndEverythingRecovers()
    {
        await using var cluster = await Cluster.StartAsync();
        var a = await cluster.Node1.RegisterAsync();
        var b = await cluster.Node1.RegisterAsync();
        await cluster.Node1.MakePartnersAsync(a, b);
        await using var wa = await cluster.Node1.ConnectAsync(a);
        await using var wb = await cluster.Node2.ConnectAsync(b);
        var session = await Sessions.MatchAsync(wa, wb);

        await cluster.Redis.StopAsync();

        var ready = await cluster.Node1.Http.GetAsync("/health/ready");
        ready.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await ready.ReadJsonAsync()).Str("redis").ShouldBe("unhealthy");
        (await cluster.Node2.Http.GetAsync("/health")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var refused = await Should.ThrowAsync<System.Net.WebSockets.WebSocketException>(() => cluster.Node1.ConnectAsync(a));
        refused.Message.ShouldContain("503");
        await wa.SendAsync(new { type = "chat", data = new { target_user_id = b.IdText, message = "anyone?" } });
        (await wa.NextAsync()).GetRawText().ShouldBe("""{"type":"error","message":"Service temporarily unavailable"}""");
        await wa.SendAsync(new { type = "ping" });
        (await wa.NextAsync()).Type().ShouldBe("pong");
        (await cluster.Node1.SendAsync(HttpMethod.Get, "/auth/me", a)).StatusCode.ShouldBe(HttpStatusCode.OK);

        await cluster.Redis.StartAgainAsync();

        (await Sessions.EventuallyAsync(async () =>
            (await (await cluster.Node1.Http.GetAsync("/health/ready")).ReadJsonAsync()).Str("redis") == "healthy", seconds: 30)).ShouldBeTrue();
        // Each node resubscribes on its own; a relay published before the partner's node is back is dropped like a relay
        // to a partner who is away, so the sender tries until one arrives.
        (await Sessions.EventuallyAsync(async () =>
        {
            await wa.SendAsync(new { type = "chat", data = new { target_user_id = b.IdText, message = "back" } });
            if ((await wa.DrainAsync()).Count > 0) return false;
            try
            {
                return (await wb.WaitForAsync("chat", TimeSpan.FromSeconds(1))).Str("message") == "back";
            }
            catch (TimeoutException)
            {
                return false;
            }
        }, seconds: 30)).ShouldBeTrue();
        (await cluster.Node1.SessionStatusAsync(session)).ShouldBe("active");
        await using var again = await cluster.Node2.ConnectAsync(a);
        (await cluster.Node2.IsOnlineAsync(a)).ShouldBeTrue();
        await using var db = await cluster.Node1.OpenDbAsync();
        (await db.ExecuteScalarAsync<int>("SELECT count(*) FROM users")).ShouldBe(2);
    }
}
