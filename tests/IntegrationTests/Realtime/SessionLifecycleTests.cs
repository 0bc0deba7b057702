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
        var session = await host.StartAsync(a, b);
        await using var wa = await host.ConnectAsync(a);
        await using var wb = await host.ConnectAsync(b);

        await wb.SendAsync(new { type = "end_session", data = new { session_id = session.ToString() } });

        (await wa.NextAsync()).GetRawText().ShouldBe($$$"""{"type":"session_ended","data":{"session_id":"{{{session}}}"}}""");
        (await wb.NextAsync()).GetRawText().ShouldBe($$$"""{"type":"session_ended","data":{"session_id":"{{{session}}}"}}""");
        (await host.SessionStatusAsync(session)).ShouldBe("completed");
    }

    [Fact]
    public async Task EndSession_ByANonParticipant_ChangesNothing_AndOnlyEchoes()
    {
        await using var host = await TestHost.StartAsync();
        var a = await host.RegisterAsync();
        var b = await host.RegisterAsync();
        var intruder = await host.RegisterAsync();
        var session = await host.StartAsync(a, b);
        await using var wa = await host.ConnectAsync(a);
        await using var wb = await host.ConnectAsync(b);
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
    public async Task Grace_ReconnectInTime_KeepsTheSession_AndRelaysResume()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["SESSION_RECONNECT_GRACE_SECONDS"] = "20" });
        var a = await host.RegisterAsync();
        var b = await host.RegisterAsync();
        var session = await host.StartAsync(a, b);
        await using var wb = await host.ConnectAsync(b);
        var first = await host.ConnectAsync(a);
        await first.CloseAsync();
        await first.DisposeAsync();
        (await Sessions.EventuallyAsync(async () => !await host.IsOnlineAsync(a))).ShouldBeTrue();

        await using var again = await host.ConnectAsync(a);
        await again.SendAsync(new { type = "chat", data = new { target_user_id = b.IdText, message = "back" } });
        (await wb.NextAsync()).Str("message").ShouldBe("back");
        await wb.SendAsync(new { type = "chat", data = new { target_user_id = a.IdText, message = "welcome" } });
        (await again.NextAsync()).Str("message").ShouldBe("welcome");

        (await host.SessionStatusAsync(session)).ShouldBe("active");
        (await wb.DrainAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task Grace_Expired_CancelsTheSession_AndTellsThePartner()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["SESSION_RECONNECT_GRACE_SECONDS"] = "1" });
        var a = await host.RegisterAsync();
        var b = await host.RegisterAsync();
        var session = await host.StartAsync(a, b);
        await using var wb = await host.ConnectAsync(b);
        var wa = await host.ConnectAsync(a);
        await wa.CloseAsync();
        await wa.DisposeAsync();

        (await wb.WaitForAsync("session_ended")).GetRawText().ShouldBe($$$"""{"type":"session_ended","data":{"session_id":"{{{session}}}"}}""");
        (await host.SessionStatusAsync(session)).ShouldBe("cancelled");
    }

    [Fact]
    public async Task TwoTabs_MessagesGoToTheNewest_AndClosingTheOlderKeepsTheUserOnline()
    {
        await using var host = await TestHost.StartAsync();
        var a = await host.RegisterAsync();
        var b = await host.RegisterAsync();
        var session = await host.StartAsync(a, b);
        await using var wb = await host.ConnectAsync(b);
        var older = await host.ConnectAsync(a);
        await using var newer = await host.ConnectAsync(a);

        await wb.SendAsync(new { type = "chat", data = new { target_user_id = a.IdText, message = "to newest" } });
        (await newer.NextAsync()).Str("message").ShouldBe("to newest");
        (await older.DrainAsync()).ShouldBeEmpty();

        // The older tab still works for its own requests and is never closed because a newer one exists.
        await older.SendAsync(new { type = "chat", data = new { target_user_id = b.IdText, message = "from older" } });
        (await wb.NextAsync()).Str("message").ShouldBe("from older");

        await older.CloseAsync();
        await older.DisposeAsync();
        (await host.IsOnlineAsync(a)).ShouldBeTrue();
        await wb.SendAsync(new { type = "chat", data = new { target_user_id = a.IdText, message = "still there" } });
        (await newer.NextAsync()).Str("message").ShouldBe("still there");
        (await host.SessionStatusAsync(session)).ShouldBe("active");
    }

    [Fact]
    public async Task TwoTabs_ClosingTheNewer_DeliversToTheOlder_AndTheLastCloseMarksOffline()
    {
        await using var host = await TestHost.StartAsync();
        var a = await host.RegisterAsync();
        var b = await host.RegisterAsync();
        await host.StartAsync(a, b);
        await using var wb = await host.ConnectAsync(b);
        var older = await host.ConnectAsync(a);
        var newer = await host.ConnectAsync(a);
        await older.SendAsync(new { type = "join_queue", data = new { mode = "roulette" } });
        (await older.NextAsync()).Type().ShouldBe("error"); // in a session: cannot queue

        await newer.CloseAsync();
        await newer.DisposeAsync();
        await wb.SendAsync(new { type = "chat", data = new { target_user_id = a.IdText, message = "older now" } });
        (await older.NextAsync()).Str("message").ShouldBe("older now");
        (await host.IsOnlineAsync(a)).ShouldBeTrue();

        await older.CloseAsync();
        await older.DisposeAsync();
        (await Sessions.EventuallyAsync(async () => !await host.IsOnlineAsync(a))).ShouldBeTrue();
    }
}
