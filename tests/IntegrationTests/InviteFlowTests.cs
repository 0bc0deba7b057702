using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dapper;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests;

/// <summary>
/// Contract 4.6 invite_partner / invite_response over real sockets, with D-4 (partners only), D-5 (only a pending
/// invitation can be accepted, once) and D-17 (an accepted invitation takes both users out of the queues).
/// A fresh host per test: the matchmaking loop and the socket registry must not see other tests.
/// </summary>
public sealed class InviteFlowTests : HostPerTest
{
    /// <summary>Connects and waits until the server is serving the socket (so the user counts as online).</summary>
    private async Task<WsClient> OnlineAsync(TestUser user)
    {
        var ws = await Host.ConnectAsync(user);
        (await ws.DrainAsync()).ShouldBeEmpty();
        return ws;
    }

    private static void ShouldBeExactly(JsonElement actual, string expected) =>
        JsonNode.DeepEquals(JsonNode.Parse(actual.GetRawText()), JsonNode.Parse(expected)).ShouldBeTrue($"{actual.GetRawText()} is not {expected}");

    private static Task InviteAsync(WsClient ws, TestUser partner) =>
        ws.SendAsync(new { type = "invite_partner", data = new { partner_user_id = partner.IdText } });

    private static Task RespondAsync(WsClient ws, TestUser inviter, bool accepted) =>
        ws.SendAsync(new { type = "invite_response", data = new { inviter_user_id = inviter.IdText, accepted } });

    private async Task<long> SessionsOfAsync(TestUser user)
    {
        await using var db = await Host.OpenDbAsync();
        return await db.ExecuteScalarAsync<long>("SELECT count(*) FROM sessions WHERE user1_id = @id OR user2_id = @id", new { id = user.Id });
    }

    private async Task<(TestUser A, TestUser B, WsClient WsA, WsClient WsB)> PartnersOnlineAsync()
    {
        var a = await Host.RegisterAsync("Anna", 6.5);
        var b = await Host.RegisterAsync("Bekzod", 7.0);
        await Host.MakePartnersAsync(a, b);
        return (a, b, await OnlineAsync(a), await OnlineAsync(b));
    }

    /// <summary>A invites B; A is told it was sent and B gets the banner.</summary>
    private static async Task<JsonElement> InviteDeliveredAsync(WsClient wsA, WsClient wsB, TestUser b)
    {
        await InviteAsync(wsA, b);
        ShouldBeExactly(await wsA.NextAsync(), """{"type":"invite_sent","message":"Taklif yuborildi!"}""");
        return await wsB.NextAsync();
    }

    [Fact]
    public async Task Invite_ToAnOnlinePartner_IsSent_AndThePartnerGetsTheBanner()
    {
        var (a, b, wsA, wsB) = await PartnersOnlineAsync();
        await using var _ = wsA;
        await using var __ = wsB;

        var invite = await InviteDeliveredAsync(wsA, wsB, b);

        invite.Keys().ShouldBe(["from_level", "from_user_id", "from_username", "timestamp", "type"]);
        invite.Type().ShouldBe("partner_invite");
        invite.Str("from_user_id").ShouldBe(a.IdText);
        invite.Str("from_username").ShouldBe("Anna");
        invite.GetProperty("from_level").GetDouble().ShouldBe(6.5);
        invite.Str("timestamp").ShouldMatch(Wire.Timestamp().ToString());
        (await wsA.DrainAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task AcceptedInvite_MatchesBoth_StartsARouletteSession_AndSignalingFlows()
    {
        var (a, b, wsA, wsB) = await PartnersOnlineAsync();
        await using var _ = wsA;
        await using var __ = wsB;
        await InviteDeliveredAsync(wsA, wsB, b);

        await RespondAsync(wsB, a, accepted: true);

        var matchedB = await wsB.NextAsync();
        var matchedA = await wsA.NextAsync();
        foreach (var matched in new[] { matchedA, matchedB })
        {
            matched.Keys().ShouldBe(["data", "type"]);
            matched.Type().ShouldBe("matched");
            matched.GetProperty("data").Keys().ShouldBe(["is_initiator", "partner_id", "partner_level", "partner_username", "practice", "room_id", "session_id"]);
            matched.GetProperty("data").Str("room_id").ShouldMatch("^room_[0-9a-f]{12}$");
        }

        var dataA = matchedA.GetProperty("data");
        var dataB = matchedB.GetProperty("data");
        dataA.Str("partner_id").ShouldBe(b.IdText);
        dataA.Str("partner_username").ShouldBe("Bekzod");
        dataA.GetProperty("partner_level").GetDouble().ShouldBe(7.0);
        dataA.GetProperty("is_initiator").GetBoolean().ShouldBeTrue();
        dataB.Str("partner_id").ShouldBe(a.IdText);
        dataB.Str("partner_username").ShouldBe("Anna");
        dataB.GetProperty("partner_level").GetDouble().ShouldBe(6.5);
        dataB.GetProperty("is_initiator").GetBoolean().ShouldBeFalse();
        dataA.Str("session_id").ShouldBe(dataB.Str("session_id"));
        dataA.Str("room_id").ShouldBe(dataB.Str("room_id"));

        await using (var db = await Host.OpenDbAsync())
        {
            var row = await db.QuerySingleAsync<(Guid User1, Guid User2, string Mode, string Status, string RoomId)>(
                "SELECT user1_id, user2_id, mode, status, room_id FROM sessions WHERE id = @id::uuid", new { id = dataA.Str("session_id") });
            row.ShouldBe((a.Id, b.Id, "roulette", "active", dataA.Str("room_id")));
        }

        await wsA.SendAsync(new { type = "offer", data = new { target_user_id = b.IdText, data = new { type = "offer", sdp = "v=0 offer" } } });
        ShouldBeExactly(await wsB.NextAsync(), $$$"""{"type":"offer","from_user_id":"{{{a.IdText}}}","data":{"type":"offer","sdp":"v=0 offer"}}""");
        await wsB.SendAsync(new { type = "answer", data = new { target_user_id = a.IdText, data = new { type = "answer", sdp = "v=0 answer" } } });
        ShouldBeExactly(await wsA.NextAsync(), $$$"""{"type":"answer","from_user_id":"{{{b.IdText}}}","data":{"type":"answer","sdp":"v=0 answer"}}""");
        (await wsA.DrainAsync()).ShouldBeEmpty();
        (await wsB.DrainAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task DeclinedInvite_TellsTheInviter_AndStartsNoSession()
    {
        var (a, b, wsA, wsB) = await PartnersOnlineAsync();
        await using var _ = wsA;
        await using var __ = wsB;
        await InviteDeliveredAsync(wsA, wsB, b);

        await RespondAsync(wsB, a, accepted: false);

        ShouldBeExactly(await wsA.NextAsync(), """{"type":"invite_rejected","message":"Taklif rad etildi"}""");
        (await wsB.DrainAsync()).ShouldBeEmpty();
        (await SessionsOfAsync(a)).ShouldBe(0);
    }

    [Fact]
    public async Task AcceptingAfterDeclining_IsRefused_BecauseTheInvitationWasConsumed()
    {
        var (a, b, wsA, wsB) = await PartnersOnlineAsync();
        await using var _ = wsA;
        await using var __ = wsB;
        await InviteDeliveredAsync(wsA, wsB, b);
        await RespondAsync(wsB, a, accepted: false);
        await wsA.WaitForAsync("invite_rejected");

        await RespondAsync(wsB, a, accepted: true);

        ShouldBeExactly(await wsB.NextAsync(), """{"type":"invite_error","message":"No pending invitation from this user"}""");
        (await wsA.DrainAsync()).ShouldBeEmpty();
        (await SessionsOfAsync(a)).ShouldBe(0);
    }

    [Fact]
    public async Task Invite_ToANonPartnerOrToOneself_IsNotYourPartner()
    {
        var a = await Host.RegisterAsync();
        var stranger = await Host.RegisterAsync();
        await using var wsA = await OnlineAsync(a);
        await using var wsStranger = await OnlineAsync(stranger);

        await InviteAsync(wsA, stranger);
        ShouldBeExactly(await wsA.NextAsync(), """{"type":"invite_error","message":"Not your partner"}""");
        await InviteAsync(wsA, a);
        ShouldBeExactly(await wsA.NextAsync(), """{"type":"invite_error","message":"Not your partner"}""");

        (await wsStranger.DrainAsync()).ShouldBeEmpty();
        (await wsA.DrainAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task Invite_ToAnOfflinePartner_IsNotOnline()
    {
        var a = await Host.RegisterAsync();
        var b = await Host.RegisterAsync();
        await Host.MakePartnersAsync(a, b);
        await using var wsA = await OnlineAsync(a);

        await InviteAsync(wsA, b);

        ShouldBeExactly(await wsA.NextAsync(), """{"type":"invite_error","message":"Sherik hozir online emas"}""");
    }

    [Fact]
    public async Task Invite_AfterThePartnerDisconnected_IsNotOnline()
    {
        var (_, b, wsA, wsB) = await PartnersOnlineAsync();
        await using var __ = wsA;
        await wsB.DisposeAsync();
        await using (var db = await Host.OpenDbAsync())
        {
            for (var i = 0; i < 100 && await db.ExecuteScalarAsync<bool>("SELECT is_online FROM users WHERE id = @Id", new { b.Id }); i++)
                await Task.Delay(100);
        }

        await InviteAsync(wsA, b);

        ShouldBeExactly(await wsA.NextAsync(), """{"type":"invite_error","message":"Sherik hozir online emas"}""");
    }

    [Theory]
    [InlineData("""{"type":"invite_partner","data":{}}""")]
    [InlineData("""{"type":"invite_partner"}""")]
    [InlineData("""{"type":"invite_partner","data":{"partner_user_id":""}}""")]
    public async Task Invite_WithoutPartnerUserId_IsAnError(string frame)
    {
        var a = await Host.RegisterAsync();
        await using var wsA = await OnlineAsync(a);

        await wsA.SendTextAsync(frame);

        ShouldBeExactly(await wsA.NextAsync(), """{"type":"error","message":"partner_user_id required"}""");
    }

    [Fact]
    public async Task AcceptingWithoutAnInvitation_IsRefused_AndStartsNoSession()
    {
        var (a, b, wsA, wsB) = await PartnersOnlineAsync();
        await using var _ = wsA;
        await using var __ = wsB;

        await RespondAsync(wsB, a, accepted: true);

        ShouldBeExactly(await wsB.NextAsync(), """{"type":"invite_error","message":"No pending invitation from this user"}""");
        (await wsA.DrainAsync()).ShouldBeEmpty();
        (await SessionsOfAsync(a)).ShouldBe(0);
        (await SessionsOfAsync(b)).ShouldBe(0);
    }

    [Fact]
    public async Task AcceptingAnInvitationMeantForSomeoneElse_IsRefused()
    {
        var (a, b, wsA, wsB) = await PartnersOnlineAsync();
        var c = await Host.RegisterAsync();
        await Host.MakePartnersAsync(a, c);
        await using var _ = wsA;
        await using var __ = wsB;
        await using var wsC = await OnlineAsync(c);
        await InviteDeliveredAsync(wsA, wsB, b);

        await RespondAsync(wsC, a, accepted: true);

        ShouldBeExactly(await wsC.NextAsync(), """{"type":"invite_error","message":"No pending invitation from this user"}""");
        (await SessionsOfAsync(a)).ShouldBe(0);
    }

    [Fact]
    public async Task AcceptingTwice_StartsOneSession_AndRefusesTheSecond()
    {
        var (a, b, wsA, wsB) = await PartnersOnlineAsync();
        await using var _ = wsA;
        await using var __ = wsB;
        await InviteDeliveredAsync(wsA, wsB, b);

        await RespondAsync(wsB, a, accepted: true);
        await RespondAsync(wsB, a, accepted: true);

        (await wsB.NextAsync()).Type().ShouldBe("matched");
        ShouldBeExactly(await wsB.NextAsync(), """{"type":"invite_error","message":"No pending invitation from this user"}""");
        (await wsA.WaitForAsync("matched")).GetProperty("data").GetProperty("is_initiator").GetBoolean().ShouldBeTrue();
        (await wsA.DrainAsync()).ShouldBeEmpty();
        (await SessionsOfAsync(a)).ShouldBe(1);
    }

    [Fact]
    public async Task ARepeatedInvitation_ReplacesTheFirst_SoOnlyOneAcceptanceCounts()
    {
        var (a, b, wsA, wsB) = await PartnersOnlineAsync();
        await using var _ = wsA;
        await using var __ = wsB;
        await InviteDeliveredAsync(wsA, wsB, b);
        await InviteDeliveredAsync(wsA, wsB, b);

        await RespondAsync(wsB, a, accepted: true);
        (await wsB.NextAsync()).Type().ShouldBe("matched");
        await RespondAsync(wsB, a, accepted: true);

        ShouldBeExactly(await wsB.NextAsync(), """{"type":"invite_error","message":"No pending invitation from this user"}""");
        (await SessionsOfAsync(a)).ShouldBe(1);
    }

    [Fact]
    public async Task AcceptingWhileAlreadyInACall_IsRefused_AndStartsNoSession()
    {
        var (a, b, wsA, wsB) = await PartnersOnlineAsync();
        await using var _ = wsA;
        await using var __ = wsB;
        var c = await Host.RegisterAsync();
        await using (var db = await Host.OpenDbAsync())
        {
            await db.ExecuteAsync("""
                INSERT INTO sessions (id, user1_id, user2_id, mode, room_id, status) VALUES (@id, @b, @c, 'roulette', 'room_0123456789ab', 'active');
                INSERT INTO session_participants (session_id, user_id, is_initiator, reconnect_deadline) VALUES (@id, @b, true, now() + interval '1 hour'), (@id, @c, false, now() + interval '1 hour');
                """, new { id = Guid.NewGuid(), b = b.Id, c = c.Id });
        }

        await InviteDeliveredAsync(wsA, wsB, b);
        await RespondAsync(wsB, a, accepted: true);

        (await wsB.NextAsync()).Type().ShouldBe("invite_error");
        (await wsA.DrainAsync()).ShouldBeEmpty();
        (await SessionsOfAsync(a)).ShouldBe(0);
        (await SessionsOfAsync(b)).ShouldBe(1);
    }

    [Fact]
    public async Task AcceptedInvite_TakesBothUsersOutOfTheQueues()
    {
        var (a, b, wsA, wsB) = await PartnersOnlineAsync();
        await using var _ = wsA;
        await using var __ = wsB;
        // Levels 4.0 apart: the matchmaking loop never pairs these two tickets with each other.
        await wsA.SendAsync(new { type = "join_queue", data = new { mode = "level_filter", level_filter = 9.0 } });
        (await wsA.NextAsync()).Type().ShouldBe("queue_joined");
        await wsB.SendAsync(new { type = "join_queue", data = new { mode = "level_filter", level_filter = 5.0 } });
        (await wsB.NextAsync()).Type().ShouldBe("queue_joined");
        await using (var db = await Host.OpenDbAsync())
            (await db.ExecuteScalarAsync<long>("SELECT count(*) FROM queue_entries WHERE is_active AND user_id = ANY(@ids)", new { ids = new[] { a.Id, b.Id } })).ShouldBe(2);

        await InviteDeliveredAsync(wsA, wsB, b);
        await RespondAsync(wsB, a, accepted: true);
        (await wsB.NextAsync()).Type().ShouldBe("matched");
        (await wsA.NextAsync()).Type().ShouldBe("matched");

        await using (var db = await Host.OpenDbAsync())
        {
            (await db.ExecuteScalarAsync<long>("SELECT count(*) FROM queue_entries WHERE user_id = ANY(@ids)", new { ids = new[] { a.Id, b.Id } })).ShouldBe(2);
            (await db.ExecuteScalarAsync<long>("SELECT count(*) FROM queue_entries WHERE is_active AND user_id = ANY(@ids)", new { ids = new[] { a.Id, b.Id } })).ShouldBe(0);
        }

        var status = await (await Host.SendAsync(HttpMethod.Get, "/queue/status", a)).ReadJsonAsync();
        status.GetProperty("in_queue").GetBoolean().ShouldBeFalse();
    }
}
