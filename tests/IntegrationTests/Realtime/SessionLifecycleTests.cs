using Dapper;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Realtime;

public sealed class SessionLifecycleTests
{
    [Fact]
    public async Task EndSession_ByAParticipant_CompletesItAndTellsBoth()
    {
        await using var host = await TestHost.StartAsync();
        var a = await host.RegisterAsync();
        var b = await host.RegisterAsync();
        await using var wa = await host.ConnectAsync(a);
        await using var wb = await host.ConnectAsync(b);
        var session = await Sessions.MatchAsync(wa, wb);

        await wb.SendAsync(new { type = "end_session", data = new { session_id = session.ToString() } });

        (await wa.NextAsync()).GetRawText().ShouldBe($$$"""{"type":"session_ended","data":{"session_id":"{{{session}}}"}}""");
        (await wb.NextAsync()).GetRawText().ShouldBe($$$"""{"type":"session_ended","data":{"session_id":"{{{session}}}"}}""");
        (await host.SessionStatusAsync(session)).ShouldBe("completed");
        await using var db = await host.OpenDbAsync();
        (await db.QuerySingleAsync<(string, Guid)>("SELECT end_reason, ended_by FROM sessions WHERE id = @session", new { session }))
            .ShouldBe(("ended", b.Id));
    }

    [Fact]
    public async Task EndSession_ByANonParticipant_ChangesNothing_AndOnlyEchoes()
    {
        await using var host = await TestHost.StartAsync();
        var a = await host.RegisterAsync();
        var b = await host.RegisterAsync();
        var intruder = await host.RegisterAsync();
        await using var wa = await host.ConnectAsync(a);
        await using var wb = await host.ConnectAsync(b);
        var session = await Sessions.MatchAsync(wa, wb);
        await using var wi = await host.ConnectAsync(intruder);

        await wi.SendAsync(new { type = "end_session", data = new { session_id = session.ToString() } });

        (await wi.NextAsync()).GetRawText().ShouldBe($$$"""{"type":"session_ended","data":{"session_id":"{{{session}}}"}}""");
        (await host.SessionStatusAsync(session)).ShouldBe("active");
        (await wa.DrainAsync()).ShouldBeEmpty();
        (await wb.DrainAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task EndSession_WithUnknownOrMissingId_EchoesWhatWasSent()
    {
        await using var host = await TestHost.StartAsync();
        var a = await host.RegisterAsync();
        await using var wa = await host.ConnectAsync(a);

        await wa.SendAsync(new { type = "end_session", data = new { } });
        (await wa.NextAsync()).GetRawText().ShouldBe("""{"type":"session_ended","data":{"session_id":null}}""");
        var unknown = Guid.NewGuid().ToString();
        await wa.SendAsync(new { type = "end_session", data = new { session_id = unknown } });
        (await wa.NextAsync()).GetRawText().ShouldBe($$$"""{"type":"session_ended","data":{"session_id":"{{{unknown}}}"}}""");
        await wa.SendAsync(new { type = "end_session", data = new { session_id = "not-a-uuid" } });
        (await wa.NextAsync()).GetRawText().ShouldBe("""{"type":"session_ended","data":{"session_id":"not-a-uuid"}}""");
    }

    [Fact]
    public async Task Reconnect_WithinTheGrace_ResumesTheSession_AndRestartsTheCallOnBothSides()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["SESSION_RECONNECT_GRACE_SECONDS"] = "20" });
        var a = await host.RegisterAsync("Anna");
        var b = await host.RegisterAsync("Bek");
        await using var wb = await host.ConnectAsync(b);
        var first = await host.ConnectAsync(a);
        var session = await Sessions.MatchAsync(first, wb);
        await first.CloseAsync();
        await first.DisposeAsync();
        (await Sessions.EventuallyAsync(async () => !await host.IsOnlineAsync(a))).ShouldBeTrue();
        (await Sessions.EventuallyAsync(async () => await host.ReconnectDeadlineAsync(session, a) is not null)).ShouldBeTrue();

        // the reloaded page gets its match again; the partner's call screen is restarted (session_ended, matched).
        await using var again = await host.ConnectAsync(a);
        var resumed = (await again.NextAsync()).GetProperty("data");
        resumed.Str("session_id").ShouldBe(session.ToString());
        resumed.Str("partner_id").ShouldBe(b.IdText);
        resumed.Str("partner_username").ShouldBe("Bek");
        resumed.GetProperty("is_initiator").GetBoolean().ShouldBeTrue();
        (await wb.NextAsync()).GetRawText().ShouldBe($$$"""{"type":"session_ended","data":{"session_id":"{{{session}}}"}}""");
        var restarted = await wb.NextAsync();
        restarted.Type().ShouldBe("matched");
        restarted.GetProperty("data").Str("session_id").ShouldBe(session.ToString());
        restarted.GetProperty("data").Str("partner_id").ShouldBe(a.IdText);
        restarted.GetProperty("data").GetProperty("is_initiator").GetBoolean().ShouldBeFalse();
        restarted.GetProperty("data").Str("room_id").ShouldBe(resumed.Str("room_id"));

        await again.SendAsync(new { type = "chat", data = new { target_user_id = b.IdText, message = "back" } });
        (await wb.NextAsync()).Str("message").ShouldBe("back");
        await wb.SendAsync(new { type = "chat", data = new { target_user_id = a.IdText, message = "welcome" } });
        (await again.NextAsync()).Str("message").ShouldBe("welcome");

        (await host.SessionStatusAsync(session)).ShouldBe("active");
        (await host.ReconnectDeadlineAsync(session, a)).ShouldBeNull();
        (await wb.DrainAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task CalleeReconnects_GetsItsMatchFirst_AndTheInitiatorRestartsOnlyAfterTheHeadStart()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["SESSION_RECONNECT_GRACE_SECONDS"] = "30", ["RESUME_CALLEE_HEAD_START_MS"] = "6000",
        });
        var a = await host.RegisterAsync("Anna");
        var b = await host.RegisterAsync("Bek");
        await using var wa = await host.ConnectAsync(a);
        var first = await host.ConnectAsync(b);
        var session = await Sessions.MatchAsync(wa, first); // a joined first: a is the initiator, b the callee
        await first.CloseAsync();
        await first.DisposeAsync();
        (await Sessions.EventuallyAsync(async () => await host.ReconnectDeadlineAsync(session, b) is not null)).ShouldBeTrue();

        await using var again = await host.ConnectAsync(b);
        var resumed = (await again.NextAsync()).GetProperty("data");
        resumed.Str("session_id").ShouldBe(session.ToString());
        resumed.GetProperty("is_initiator").GetBoolean().ShouldBeFalse();
        // The reloaded callee's page mounts its call screen first: the initiator, who offers at once, is not restarted yet.
        (await wa.DrainAsync()).ShouldBeEmpty();

        (await wa.NextAsync()).GetRawText().ShouldBe($$$"""{"type":"session_ended","data":{"session_id":"{{{session}}}"}}""");
        var restarted = (await wa.NextAsync()).GetProperty("data");
        restarted.Str("session_id").ShouldBe(session.ToString());
        restarted.GetProperty("is_initiator").GetBoolean().ShouldBeTrue();
        await wa.SendAsync(new { type = "offer", data = new { target_user_id = b.IdText, data = new { type = "offer", sdp = "v=0" } } });
        (await again.WaitForAsync("offer")).GetProperty("from_user_id").GetString().ShouldBe(a.IdText);
    }

    [Fact]
    public async Task CalleeReconnectsAndLeavesAgainWithinTheHeadStart_TheInitiatorIsNotRestartedTowardsAGoneConnection()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["SESSION_RECONNECT_GRACE_SECONDS"] = "30", ["RESUME_CALLEE_HEAD_START_MS"] = "1500",
        });
        var a = await host.RegisterAsync();
        var b = await host.RegisterAsync();
        await using var wa = await host.ConnectAsync(a);
        var first = await host.ConnectAsync(b);
        var session = await Sessions.MatchAsync(wa, first);
        await first.CloseAsync();
        await first.DisposeAsync();
        (await Sessions.EventuallyAsync(async () => await host.ReconnectDeadlineAsync(session, b) is not null)).ShouldBeTrue();

        var again = await host.ConnectAsync(b);
        await again.WaitForAsync("matched");
        await again.CloseAsync();
        await again.DisposeAsync();
        await Task.Delay(2_500); // past the head start
        (await wa.DrainAsync()).ShouldBeEmpty();
        (await host.SessionStatusAsync(session)).ShouldBe("active");
        (await host.ReconnectDeadlineAsync(session, b)).ShouldNotBeNull();
    }

    [Fact]
    public async Task Grace_Expired_CancelsTheSession_AndTellsThePartner()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["SESSION_RECONNECT_GRACE_SECONDS"] = "1" });
        var a = await host.RegisterAsync();
        var b = await host.RegisterAsync();
        await using var wb = await host.ConnectAsync(b);
        var wa = await host.ConnectAsync(a);
        var session = await Sessions.MatchAsync(wa, wb);
        await wa.CloseAsync();
        await wa.DisposeAsync();

        (await wb.WaitForAsync("session_ended")).GetRawText().ShouldBe($$$"""{"type":"session_ended","data":{"session_id":"{{{session}}}"}}""");
        (await host.SessionStatusAsync(session)).ShouldBe("cancelled");
        await using var db = await host.OpenDbAsync();
        (await db.ExecuteScalarAsync<string>("SELECT end_reason FROM sessions WHERE id = @session", new { session })).ShouldBe("no_reconnect");

        // Relays stop at once for the partner: the session is over on its connection.
        await wb.SendAsync(new { type = "chat", data = new { target_user_id = a.IdText, message = "hello?" } });
        (await wb.NextAsync()).Str("message").ShouldBe("Not in an active session with this user");
    }

    [Fact]
    public async Task TwoTabs_TheCallOpensInTheTabThatAskedForIt_AndClosingTheOtherTabLeavesItUntouched()
    {
        await using var host = await TestHost.StartAsync();
        var a = await host.RegisterAsync();
        var b = await host.RegisterAsync();
        await using var wb = await host.ConnectAsync(b);
        await using var older = await host.ConnectAsync(a);
        var newer = await host.ConnectAsync(a);

        // "start" pressed in the older tab; the match and the call's traffic go there, not to the newer tab.
        var session = await Sessions.MatchAsync(older, wb);
        await wb.SendAsync(new { type = "chat", data = new { target_user_id = a.IdText, message = "to the call's tab" } });
        (await older.NextAsync()).Str("message").ShouldBe("to the call's tab");
        (await newer.DrainAsync()).ShouldBeEmpty();

        // The newer tab holds no call, so it cannot relay into it.
        await newer.SendAsync(new { type = "chat", data = new { target_user_id = b.IdText, message = "from the other tab" } });
        (await newer.NextAsync()).Str("message").ShouldBe("Not in an active session with this user");

        await newer.CloseAsync();
        await newer.DisposeAsync();
        await older.SendAsync(new { type = "chat", data = new { target_user_id = b.IdText, message = "still here" } });
        (await wb.NextAsync()).Str("message").ShouldBe("still here");
        (await host.IsOnlineAsync(a)).ShouldBeTrue();
        (await host.SessionStatusAsync(session)).ShouldBe("active");
        (await wb.DrainAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task TwoTabs_ClosingTheCallsTab_MovesTheCallToTheOtherTab()
    {
        await using var host = await TestHost.StartAsync();
        var a = await host.RegisterAsync();
        var b = await host.RegisterAsync();
        await using var wb = await host.ConnectAsync(b);
        var calling = await host.ConnectAsync(a);
        await using var other = await host.ConnectAsync(a);
        var session = await Sessions.MatchAsync(calling, wb);

        await calling.CloseAsync();
        await calling.DisposeAsync();

        var resumed = await other.WaitForAsync("matched");
        resumed.GetProperty("data").Str("session_id").ShouldBe(session.ToString());
        await wb.WaitForAsync("session_ended");
        await wb.WaitForAsync("matched");
        await other.SendAsync(new { type = "chat", data = new { target_user_id = b.IdText, message = "moved" } });
        (await wb.NextAsync()).Str("message").ShouldBe("moved");
        (await host.SessionStatusAsync(session)).ShouldBe("active");
    }

    [Fact]
    public async Task TwoTabs_UserMessagesGoToTheNewest_AndTheLastCloseMarksOffline()
    {
        await using var host = await TestHost.StartAsync();
        var a = await host.RegisterAsync();
        var b = await host.RegisterAsync();
        await host.MakePartnersAsync(a, b);
        await using var wb = await host.ConnectAsync(b);
        var older = await host.ConnectAsync(a);
        var newer = await host.ConnectAsync(a);

        // D-14 for messages not tied to a session: an invitation arrives on the newest tab.
        await wb.SendAsync(new { type = "invite_partner", data = new { partner_user_id = a.IdText } });
        (await wb.NextAsync()).Type().ShouldBe("invite_sent");
        (await newer.NextAsync()).Type().ShouldBe("partner_invite");
        (await older.DrainAsync()).ShouldBeEmpty();

        await newer.CloseAsync();
        await newer.DisposeAsync();
        await wb.SendAsync(new { type = "invite_partner", data = new { partner_user_id = a.IdText } });
        (await wb.NextAsync()).Type().ShouldBe("invite_sent");
        (await older.NextAsync()).Type().ShouldBe("partner_invite");
        (await host.IsOnlineAsync(a)).ShouldBeTrue();

        await older.CloseAsync();
        await older.DisposeAsync();
        (await Sessions.EventuallyAsync(async () => !await host.IsOnlineAsync(a))).ShouldBeTrue();
    }
}
