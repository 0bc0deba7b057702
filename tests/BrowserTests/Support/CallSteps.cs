using System.Text.Json;

namespace Speaking.BrowserTests.Support;

/// <summary>Steps of a call that several browser tests take the same way.</summary>
public static class CallSteps
{
    /// <summary>
    /// A joins, then B (so A is the initiator); both get the same match and reach a connected call with the
    /// partner's audio track and its bytes arriving. Returns the session id.
    /// </summary>
    public static async Task<Guid> StartCallAsync(CallPage pageA, CallPage pageB, Func<CallPage, Task> join)
    {
        await join(pageA);
        await pageA.WaitUntilAsync("state.queueJoined !== null");
        await join(pageB);
        await pageB.WaitUntilAsync("state.queueJoined !== null");

        await pageA.WaitUntilAsync("state.matched !== null");
        await pageB.WaitUntilAsync("state.matched !== null");
        var matchA = (await pageA.StateAsync()).GetProperty("matched");
        var matchB = (await pageB.StateAsync()).GetProperty("matched");
        matchA.GetProperty("partner_id").GetString().ShouldBe(pageB.User.IdText);
        matchB.GetProperty("partner_id").GetString().ShouldBe(pageA.User.IdText);
        matchA.GetProperty("is_initiator").GetBoolean().ShouldBeTrue();
        matchB.GetProperty("is_initiator").GetBoolean().ShouldBeFalse();
        matchA.GetProperty("session_id").GetString().ShouldBe(matchB.GetProperty("session_id").GetString());

        await pageA.WaitForConnectedCallAsync();
        await pageB.WaitForConnectedCallAsync();
        await pageA.WaitForAudioFlowingAsync();
        await pageB.WaitForAudioFlowingAsync();
        var stateA = await pageA.StateAsync();
        var stateB = await pageB.StateAsync();
        stateA.GetProperty("offersSent").GetInt32().ShouldBeGreaterThanOrEqualTo(1);
        stateB.GetProperty("answersSent").GetInt32().ShouldBeGreaterThanOrEqualTo(1);
        stateB.GetProperty("offersSent").GetInt32().ShouldBe(0);
        // Every candidate crossed our relay: each side received some.
        stateA.GetProperty("candidatesReceived").GetInt32().ShouldBeGreaterThan(0);
        stateB.GetProperty("candidatesReceived").GetInt32().ShouldBeGreaterThan(0);
        stateA.GetProperty("errors").GetArrayLength().ShouldBe(0, stateA.GetRawText());
        stateB.GetProperty("errors").GetArrayLength().ShouldBe(0, stateB.GetRawText());
        return Guid.Parse(matchA.GetProperty("session_id").GetString()!);
    }

    /// <summary>A's text arrives at B and B's at A, each from the right sender; nobody gets their own text back.</summary>
    public static async Task ChatBothWaysAsync(CallPage pageA, CallPage pageB, string fromA, string fromB)
    {
        await pageA.SendChatAsync(fromA);
        await pageB.WaitUntilAsync($"state.chats.some(c => c.message === {JsonSerializer.Serialize(fromA)})");
        await pageB.SendChatAsync(fromB);
        await pageA.WaitUntilAsync($"state.chats.some(c => c.message === {JsonSerializer.Serialize(fromB)})");

        foreach (var (page, partner) in new[] { (pageA, pageB), (pageB, pageA) })
        {
            var chats = (await page.StateAsync()).GetProperty("chats").EnumerateArray().ToArray();
            chats.ShouldAllBe(c => c.GetProperty("from").GetString() == partner.User.IdText);
            chats.ShouldAllBe(c => c.GetProperty("timestamp").GetString()!.Length > 0);
        }
    }
}
