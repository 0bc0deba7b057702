using System.Net;
using Dapper;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Safety;

/// <summary>
/// Amendment A-5 over real sockets and REST: a block, in either direction, ends a call between the two for both, and
/// from then on they are never relayed, invited, requested, matched or shown to each other in search.
/// A fresh host per test: the matchmaking loop and the socket registry must not see other tests.
/// </summary>
public sealed class BlockTests : HostPerTest
{
    [Fact]
    public async Task BlockDuringACall_EndsItForBoth_AsBlockedByTheBlocker()
    {
        var a = await Host.RegisterAsync("Anna");
        var b = await Host.RegisterAsync("Bekzod");
        await using var wsA = await Host.ConnectAsync(a);
        await using var wsB = await Host.ConnectAsync(b);
        var sessionId = await Sessions.MatchAsync(wsA, wsB);

        var response = await Host.BlockAsync(a, b);

        var body = await response.ReadJsonAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        body.Keys().ShouldBe(["blocked_at", "user_id", "username"]);
        body.Str("user_id").ShouldBe(b.IdText);
        body.Str("username").ShouldBe("Bekzod");
        body.Str("blocked_at").ShouldMatch(Wire.Timestamp().ToString());
        foreach (var ws in new[] { wsA, wsB })
        {
            var ended = await ws.WaitForAsync("session_ended");
            ended.GetProperty("data").Str("session_id").ShouldBe(sessionId.ToString());
        }

        await using var db = await Host.OpenDbAsync();
        var row = await db.QuerySingleAsync<(string Status, string EndReason, Guid EndedBy)>(
            "SELECT status, end_reason, ended_by FROM sessions WHERE id = @sessionId", new { sessionId });
        row.ShouldBe(("completed", "blocked", a.Id));
        (await db.ExecuteScalarAsync<long>("SELECT count(*) FROM session_participants WHERE session_id = @sessionId AND active", new { sessionId }))
            .ShouldBe(0);
    }

    [Fact]
    public async Task ABlockedRelay_IsRefused_BothWays_AndNothingArrives()
    {
        var a = await Host.RegisterAsync();
        var b = await Host.RegisterAsync();
        await using var wsA = await Host.ConnectAsync(a);
        await using var wsB = await Host.ConnectAsync(b);
        await Sessions.MatchAsync(wsA, wsB);
        await Host.BlockedAsync(b, a); // the callee blocks the initiator
        await wsA.WaitForAsync("session_ended");
        await wsB.WaitForAsync("session_ended");

        await wsA.SendAsync(new { type = "offer", data = new { target_user_id = b.IdText, data = new { type = "offer", sdp = "v=0" } } });
        (await wsA.WaitForAsync("error")).Str("message").ShouldBe("Not in an active session with this user");
        await wsB.SendAsync(new { type = "chat", data = new { target_user_id = a.IdText, message = "still there?" } });
        (await wsB.WaitForAsync("error")).Str("message").ShouldBe("Not in an active session with this user");
        await wsA.SendAsync(new { type = "ice_candidate", data = new { target_user_id = b.IdText, data = new { candidate = "c" } } });
        (await wsA.WaitForAsync("error")).Str("message").ShouldBe("Not in an active session with this user");

        (await wsA.DrainAsync()).ShouldBeEmpty();
        (await wsB.DrainAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task ABlockedInvite_IsRefused_EvenIfAPartnershipWereStillThere()
    {
        var a = await Host.RegisterAsync();
        var b = await Host.RegisterAsync();
        await Host.MakePartnersAsync(a, b);
        await using var wsA = await Host.OnlineAsync(a);
        await using var wsB = await Host.OnlineAsync(b);

        await Host.BlockedAsync(a, b);

        // The block ended the partnership, for both.
        foreach (var user in new[] { a, b })
            (await (await Host.SendAsync(HttpMethod.Get, "/partners/", user)).ReadJsonAsync()).GetArrayLength().ShouldBe(0);

        await wsB.SendAsync(new { type = "invite_partner", data = new { partner_user_id = a.IdText } });
        (await wsB.NextAsync()).GetRawText().ShouldBe("""{"type":"invite_error","message":"Not your partner"}""");

        // A partnership that somehow survived (a race, a restore) still lets no invitation through.
        await using (var db = await Host.OpenDbAsync())
        {
            await db.ExecuteAsync("INSERT INTO partnerships (id, user1_id, user2_id, created_at) VALUES (@id, @a, @b, now())",
                new { id = Guid.NewGuid(), a = a.Id, b = b.Id });
        }

        await wsB.SendAsync(new { type = "invite_partner", data = new { partner_user_id = a.IdText } });
        (await wsB.NextAsync()).GetRawText().ShouldBe("""{"type":"invite_error","message":"Not your partner"}""");
        await wsA.SendAsync(new { type = "invite_partner", data = new { partner_user_id = b.IdText } });
        (await wsA.NextAsync()).GetRawText().ShouldBe("""{"type":"invite_error","message":"Not your partner"}""");
        (await wsA.DrainAsync()).ShouldBeEmpty();
        (await wsB.DrainAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task APendingInvitation_EndsWithTheBlock_AndCannotBeAccepted()
    {
        var a = await Host.RegisterAsync();
        var b = await Host.RegisterAsync();
        await Host.MakePartnersAsync(a, b);
        await using var wsA = await Host.OnlineAsync(a);
        await using var wsB = await Host.OnlineAsync(b);
        await wsA.SendAsync(new { type = "invite_partner", data = new { partner_user_id = b.IdText } });
        await wsA.WaitForAsync("invite_sent");
        await wsB.WaitForAsync("partner_invite");

        await Host.BlockedAsync(a, b);
        await wsB.SendAsync(new { type = "invite_response", data = new { inviter_user_id = a.IdText, accepted = true } });

        (await wsB.NextAsync()).GetRawText().ShouldBe("""{"type":"invite_error","message":"No pending invitation from this user"}""");
        (await wsA.DrainAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task Search_HidesEachFromTheOther_ButNotFromOthers()
    {
        var tag = "Zb" + Guid.NewGuid().ToString("N")[..8];
        var a = await Host.RegisterAsync(tag + "Anna");
        var b = await Host.RegisterAsync(tag + "Bekzod");
        var c = await Host.RegisterAsync(tag + "Chen");

        (await Host.SearchAsync(b, tag)).ShouldBe([tag + "Anna", tag + "Chen"]);
        await Host.BlockedAsync(a, b);

        (await Host.SearchAsync(a, tag)).ShouldBe([tag + "Chen"]);
        (await Host.SearchAsync(b, tag)).ShouldBe([tag + "Chen"]);
        (await Host.SearchAsync(c, tag)).ShouldBe([tag + "Anna", tag + "Bekzod"]);

        await (await Host.SendAsync(HttpMethod.Delete, $"/users/{b.Id}/block", a)).ShouldBeMessageAsync("User unblocked");
        (await Host.SearchAsync(b, tag)).ShouldBe([tag + "Anna", tag + "Chen"]);
    }

    [Fact]
    public async Task PartnerRequests_AreRefusedBothWays_AndAPendingOneIsClosed()
    {
        var a = await Host.RegisterAsync();
        var b = await Host.RegisterAsync();
        var pending = await Host.SendPartnerRequestAsync(b, a);

        await Host.BlockedAsync(a, b);

        (await (await Host.SendAsync(HttpMethod.Get, "/partners/requests/incoming", a)).ReadJsonAsync()).GetArrayLength().ShouldBe(0);
        await (await Host.SendAsync(HttpMethod.Post, $"/partners/requests/{pending}/accept", a))
            .ShouldBeDetailAsync(HttpStatusCode.BadRequest, "So'rov allaqachon ko'rib chiqilgan");
        await (await Host.SendAsync(HttpMethod.Post, "/partners/request", b, new { to_user_id = a.IdText }))
            .ShouldBeDetailAsync(HttpStatusCode.NotFound, "Foydalanuvchi topilmadi");
        await (await Host.SendAsync(HttpMethod.Post, "/partners/request", a, new { to_user_id = b.IdText }))
            .ShouldBeDetailAsync(HttpStatusCode.NotFound, "Foydalanuvchi topilmadi");
    }

    [Fact]
    public async Task TheMatcher_NeverPairsABlockedPair_TheyKeepWaiting_AndAThirdUserIsPaired()
    {
        var a = await Host.RegisterAsync();
        var b = await Host.RegisterAsync();
        await Host.BlockedAsync(b, a);
        await using var wsA = await Host.ConnectAsync(a);
        await using var wsB = await Host.ConnectAsync(b);
        await wsA.SendAsync(new { type = "join_queue", data = new { mode = "roulette" } });
        await wsA.WaitForAsync("queue_joined");
        await wsB.SendAsync(new { type = "join_queue", data = new { mode = "roulette" } });
        await wsB.WaitForAsync("queue_joined");

        // A pair in the other mode, queued after them: its match proves a round ran with A and B both waiting.
        var x = await Host.RegisterAsync();
        var y = await Host.RegisterAsync();
        await using var wsX = await Host.ConnectAsync(x);
        await using var wsY = await Host.ConnectAsync(y);
        foreach (var ws in new[] { wsX, wsY })
        {
            await ws.SendAsync(new { type = "join_queue", data = new { mode = "level_filter", level_filter = 6.0 } });
            await ws.WaitForAsync("queue_joined");
        }

        await wsX.WaitForAsync("matched");
        (await wsA.DrainAsync()).ShouldBeEmpty();
        (await wsB.DrainAsync()).ShouldBeEmpty();
        (await Host.IsQueuedAsync(a)).ShouldBeTrue();
        (await Host.IsQueuedAsync(b)).ShouldBeTrue();

        // Roulette pairs the 1st with the 2nd in join order; they block each other, so the 3rd is paired with the 1st.
        var c = await Host.RegisterAsync();
        await using var wsC = await Host.ConnectAsync(c);
        await wsC.SendAsync(new { type = "join_queue", data = new { mode = "roulette" } });
        await wsC.WaitForAsync("queue_joined");
        (await wsC.WaitForAsync("matched")).GetProperty("data").Str("partner_id").ShouldBe(a.IdText);
        (await wsA.WaitForAsync("matched")).GetProperty("data").Str("partner_id").ShouldBe(c.IdText);
        (await wsB.DrainAsync()).ShouldBeEmpty();
        (await Host.IsQueuedAsync(b)).ShouldBeTrue();
    }

    [Fact]
    public async Task Blocks_AreListedForTheBlockerOnly_AndOnlyTheBlockerCanUnblock()
    {
        var a = await Host.RegisterAsync("Anna");
        var b = await Host.RegisterAsync("Bekzod");
        await Host.BlockedAsync(a, b);
        await Host.BlockedAsync(a, b); // again: the same block

        var mine = await (await Host.SendAsync(HttpMethod.Get, "/users/me/blocks", a)).ReadJsonAsync();
        mine.GetArrayLength().ShouldBe(1);
        mine[0].Str("user_id").ShouldBe(b.IdText);
        mine[0].Str("username").ShouldBe("Bekzod");
        (await (await Host.SendAsync(HttpMethod.Get, "/users/me/blocks", b)).ReadJsonAsync()).GetArrayLength().ShouldBe(0);

        await (await Host.SendAsync(HttpMethod.Delete, $"/users/{a.Id}/block", b))
            .ShouldBeDetailAsync(HttpStatusCode.NotFound, "You have not blocked this user");
        await (await Host.SendAsync(HttpMethod.Delete, $"/users/{b.Id}/block", a)).ShouldBeMessageAsync("User unblocked");
        (await (await Host.SendAsync(HttpMethod.Get, "/users/me/blocks", a)).ReadJsonAsync()).GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task Block_RefusesOneselfUnknownUsersAndMalformedIds()
    {
        var a = await Host.RegisterAsync();

        await (await Host.BlockAsync(a, a)).ShouldBeDetailAsync(HttpStatusCode.BadRequest, "You cannot block yourself");
        await (await Host.SendAsync(HttpMethod.Post, $"/users/{Guid.NewGuid()}/block", a)).ShouldBeDetailAsync(HttpStatusCode.NotFound, "User not found");
        await (await Host.SendAsync(HttpMethod.Post, "/users/not-a-uuid/block", a)).ShouldBeValidationErrorAsync("uuid_parsing", "path", "user_id");
        await (await Host.SendAsync(HttpMethod.Post, $"/users/{Guid.NewGuid()}/block", null)).ShouldBeUnauthorizedAsync("Not authenticated");
    }
}
