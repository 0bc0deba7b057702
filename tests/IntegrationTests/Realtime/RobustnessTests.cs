using System.Net.WebSockets;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Realtime;

public sealed class RobustnessTests : HostPerTest
{
    public static TheoryData<string> MalformedMessages => new()
    {
        "not json",
        "{",
        "[]",
        "[1,2,3]",
        "\"ping\"",
        "42",
        "null",
        "true",
        """{"type":"join_queue","data":null}""",
        """{"type":"join_queue","data":[]}""",
        """{"type":"join_queue","data":"roulette"}""",
        """{"type":"offer","data":42}""",
        """{"type":"offer","data":{"target_user_id":42,"data":{}}}""",
        """{"type":"offer","data":{"target_user_id":"not-a-uuid","data":{}}}""",
        """{"type":"answer","data":{"target_user_id":{"id":1}}}""",
        """{"type":"ice_candidate","data":{"target_user_id":["x"]}}""",
        """{"type":"chat","data":{"target_user_id":"zzz","message":"hi"}}""",
        """{"type":"chat","data":null}""",
        """{"type":"end_session","data":"abc"}""",
        """{"type":"invite_partner","data":{"partner_user_id":123}}""",
        """{"type":"invite_response","data":{"inviter_user_id":5,"accepted":true}}""",
        """{"type":"leave_queue","data":7}""",
    };

    [Theory]
    [MemberData(nameof(MalformedMessages))]
    public async Task MalformedInput_IsAnsweredWithInvalidMessage_AndTheConnectionStaysUsable(string text)
    {
        var user = await Host.RegisterAsync();
        await using var ws = await Host.ConnectAsync(user);

        await ws.SendTextAsync(text);
        (await ws.NextAsync()).GetRawText().ShouldBe("""{"type":"error","message":"Invalid message"}""");
        (await ws.DrainAsync()).ShouldBeEmpty();
        (await Host.IsOnlineAsync(user)).ShouldBeTrue();
    }

    [Theory]
    [InlineData("""{"type":"no_such_type","data":{}}""")]
    [InlineData("""{"data":{}}""")]
    [InlineData("""{"type":5}""")]
    [InlineData("""{"type":"connection_status"}""")]
    public async Task UnknownOrMissingType_IsIgnored(string text)
    {
        var user = await Host.RegisterAsync();
        await using var ws = await Host.ConnectAsync(user);
        await ws.SendTextAsync(text);
        (await ws.DrainAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task BinaryFrame_ClosesWith1003()
    {
        var user = await Host.RegisterAsync();
        await using var ws = await Host.ConnectAsync(user);
        await ws.Socket.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, CancellationToken.None);
        await ws.Closed.Task.WaitAsync(TimeSpan.FromSeconds(15));
        ws.CloseStatus.ShouldBe(WebSocketCloseStatus.InvalidMessageType);
    }

    [Fact]
    public async Task FrameOver64KiB_ClosesWith1009_AndAFrameJustUnderIsServed()
    {
        var user = await Host.RegisterAsync();
        await using (var ok = await Host.ConnectAsync(user))
        {
            var padding = new string('a', 64 * 1024 - 40);
            await ok.SendTextAsync($$"""{"type":"ping","pad":"{{padding}}"}""");
            (await ok.NextAsync()).Type().ShouldBe("pong");
        }

        await using var ws = await Host.ConnectAsync(user);
        await ws.SendTextAsync($$"""{"type":"ping","pad":"{{new string('a', 70 * 1024)}}"}""");
        await ws.Closed.Task.WaitAsync(TimeSpan.FromSeconds(15));
        ws.CloseStatus.ShouldBe(WebSocketCloseStatus.MessageTooBig);
    }

    [Fact]
    public async Task RateLimit_ExcessMessagesAreAnsweredWithAnError_NeverDropped()
    {
        var user = await Host.RegisterAsync();
        await using var ws = await Host.ConnectAsync(user);
        const int sent = 300;
        var sends = Enumerable.Range(0, sent).Select(_ => """{"type":"ping"}""").ToArray();
        foreach (var text in sends) await ws.SendTextAsync(text);

        var pongs = 0;
        var limited = 0;
        for (var i = 0; i < sent; i++)
        {
            var message = await ws.NextAsync();
            if (message.Type() == "pong") pongs++;
            else if (message.GetRawText() == """{"type":"error","message":"Rate limit exceeded"}""") limited++;
        }

        (pongs + limited).ShouldBe(sent);
        pongs.ShouldBeGreaterThanOrEqualTo(50);
        limited.ShouldBeGreaterThan(0);
    }
}
