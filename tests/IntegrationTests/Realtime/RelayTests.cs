using System.Text.Json;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Realtime;

public sealed class RelayTests : HostPerTest
{
    [Theory]
    [InlineData("offer", """{"type":"offer","sdp":"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}""")]
    [InlineData("answer", """{"type":"answer","sdp":"v=0\r\n"}""")]
    [InlineData("ice_candidate", """{"candidate":{"candidate":"candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"abcd"}}""")]
    public async Task Signaling_BetweenSessionPartners_IsRelayedWithTheExactShape(string type, string payload)
    {
        var a = await Host.RegisterAsync();
        var b = await Host.RegisterAsync();
        await using var wa = await Host.ConnectAsync(a);
        await using var wb = await Host.ConnectAsync(b);
        await Sessions.MatchAsync(wa, wb);

        await wa.SendTextAsync($$$"""{"type":"{{{type}}}","data":{"target_user_id":"{{{b.Id}}}","data":{{{payload}}}}}""");
        var relayed = await wb.NextAsync();

        relayed.Keys().ShouldBe(["data", "from_user_id", "type"]);
        relayed.Type().ShouldBe(type);
        relayed.Str("from_user_id").ShouldBe(a.IdText);
        relayed.GetProperty("data").GetRawText().ShouldBe(JsonDocument.Parse(payload).RootElement.GetRawText());
        (await wa.DrainAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task Signaling_WithoutInnerData_ForwardsTheWholeOuterData()
    {
        var a = await Host.RegisterAsync();
        var b = await Host.RegisterAsync();
        await using var wa = await Host.ConnectAsync(a);
        await using var wb = await Host.ConnectAsync(b);
        await Sessions.MatchAsync(wa, wb);

        await wa.SendAsync(new { type = "offer", data = new { target_user_id = b.IdText, sdp = "v=0" } });
        var relayed = await wb.NextAsync();
        relayed.GetProperty("data").Str("sdp").ShouldBe("v=0");
        relayed.GetProperty("data").Str("target_user_id").ShouldBe(b.IdText);
    }

    [Fact]
    public async Task Signaling_ToSomeoneOutsideTheSession_IsRefused_AndNothingIsDelivered()
    {
        var a = await Host.RegisterAsync();
        var b = await Host.RegisterAsync();
        var stranger = await Host.RegisterAsync();
        await using var wa = await Host.ConnectAsync(a);
        await using var wb = await Host.ConnectAsync(b);
        await Sessions.MatchAsync(wa, wb);
        await using var ws = await Host.ConnectAsync(stranger);

        foreach (var type in new[] { "offer", "answer", "ice_candidate" })
        {
            await wa.SendAsync(new { type, data = new { target_user_id = stranger.IdText, data = new { type, sdp = "v=0" } } });
            var error = await wa.NextAsync();
            error.GetRawText().ShouldBe("""{"type":"error","message":"Not in an active session with this user"}""");
        }

        // The stranger cannot reach A either, and A's own id as target is refused too.
        await ws.SendAsync(new { type = "offer", data = new { target_user_id = a.IdText, data = new { type = "offer", sdp = "v=0" } } });
        (await ws.NextAsync()).Str("message").ShouldBe("Not in an active session with this user");
        await wa.SendAsync(new { type = "chat", data = new { target_user_id = a.IdText, message = "me" } });
        (await wa.NextAsync()).Str("message").ShouldBe("Not in an active session with this user");

        (await ws.DrainAsync()).ShouldBeEmpty();
        (await wa.DrainAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task Signaling_AfterTheSessionEnded_IsRefused()
    {
        var a = await Host.RegisterAsync();
        var b = await Host.RegisterAsync();
        await using var wa = await Host.ConnectAsync(a);
        await using var wb = await Host.ConnectAsync(b);
        var session = await Sessions.MatchAsync(wa, wb);

        await wa.SendAsync(new { type = "end_session", data = new { session_id = session.ToString() } });
        await wa.WaitForAsync("session_ended");
        await wb.WaitForAsync("session_ended");
        await wa.SendAsync(new { type = "offer", data = new { target_user_id = b.IdText, data = new { type = "offer", sdp = "v=0" } } });
        (await wa.NextAsync()).Str("message").ShouldBe("Not in an active session with this user");
        (await wb.DrainAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task Signaling_WithoutTarget_AnswersTargetRequired()
    {
        var a = await Host.RegisterAsync();
        await using var wa = await Host.ConnectAsync(a);
        await wa.SendAsync(new { type = "ice_candidate", data = new { data = new { candidate = new { candidate = "x" } } } });
        (await wa.NextAsync()).GetRawText().ShouldBe("""{"type":"error","message":"target_user_id required"}""");
        await wa.SendAsync(new { type = "answer", data = new { target_user_id = "" } });
        (await wa.NextAsync()).GetRawText().ShouldBe("""{"type":"error","message":"target_user_id required"}""");
    }

    [Fact]
    public async Task Chat_BetweenPartners_ArrivesWithTopLevelFields_AndIsNotEchoed()
    {
        var a = await Host.RegisterAsync();
        var b = await Host.RegisterAsync();
        await using var wa = await Host.ConnectAsync(a);
        await using var wb = await Host.ConnectAsync(b);
        await Sessions.MatchAsync(wa, wb);

        await wa.SendAsync(new { type = "chat", data = new { target_user_id = b.IdText, message = "Salom, qalaysiz? 👋" } });
        var chat = await wb.NextAsync();

        chat.Keys().ShouldBe(["from_user_id", "message", "timestamp", "type"]);
        chat.Type().ShouldBe("chat");
        chat.Str("from_user_id").ShouldBe(a.IdText);
        chat.Str("message").ShouldBe("Salom, qalaysiz? 👋");
        chat.Str("timestamp").ShouldMatch(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$");
        (await wa.DrainAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task Chat_IsValidated()
    {
        var a = await Host.RegisterAsync();
        var b = await Host.RegisterAsync();
        await using var wa = await Host.ConnectAsync(a);
        await using var wb = await Host.ConnectAsync(b);
        await Sessions.MatchAsync(wa, wb);

        await wa.SendAsync(new { type = "chat", data = new { target_user_id = b.IdText, message = new string('x', 2001) } });
        (await wa.NextAsync()).GetRawText().ShouldBe("""{"type":"error","message":"Invalid chat message"}""");
        await wa.SendAsync(new { type = "chat", data = new { target_user_id = b.IdText, message = new { text = "object" } } });
        (await wa.NextAsync()).GetRawText().ShouldBe("""{"type":"error","message":"Invalid chat message"}""");
        await wa.SendAsync(new { type = "chat", data = new { target_user_id = b.IdText, message = 42 } });
        (await wa.NextAsync()).GetRawText().ShouldBe("""{"type":"error","message":"Invalid chat message"}""");

        // Empty text or a missing target is ignored silently, as the original did.
        await wa.SendAsync(new { type = "chat", data = new { target_user_id = b.IdText, message = "" } });
        await wa.SendAsync(new { type = "chat", data = new { message = "hello" } });
        (await wa.DrainAsync()).ShouldBeEmpty();

        await wa.SendAsync(new { type = "chat", data = new { target_user_id = b.IdText, message = new string('y', 2000) } });
        (await wb.NextAsync()).Str("message").Length.ShouldBe(2000);
        (await wb.DrainAsync()).ShouldBeEmpty();
    }
}
