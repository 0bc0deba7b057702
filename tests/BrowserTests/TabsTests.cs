using Speaking.BrowserTests.Support;
using Speaking.IntegrationTests.Support;

namespace Speaking.BrowserTests;

/// <summary>
/// Issue 13, amendment A-1: a call belongs to the connection that asked for it. One user has two tabs (the second
/// connects with the login the first stored, as the frontend does) and starts the call in the older one: the call and
/// its audio open there, the newer tab (the user's newest connection) gets nothing, and closing it leaves the call alone.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class TabsTests(Chromium chromium) : ServiceAndPages
{

    [Fact]
    public async Task CallStartedInTheOlderTab_OpensThere_TheNewerTabStaysIdle_AndClosingTheNewerTabLeavesTheCallAlone()
    {
        var (a, b) = (await Host.RegisterAsync("Anna"), await Host.RegisterAsync("Bek"));
        await using var older = await CallPage.OpenAsync(chromium.Browser, Server, Host, a);
        await using var newer = await older.OpenTabAsync();
        await using var partner = await CallPage.OpenAsync(chromium.Browser, Server, Host, b);
        (await OpenSocketsAsync()).ShouldBe(3);

        var sessionId = await CallSteps.StartCallAsync(older, partner, page => page.JoinRouletteAsync()); // join_queue from the older tab
        await CallSteps.ChatBothWaysAsync(older, partner, "Hello from my first tab", "Hello back");

        var idle = await newer.StateAsync();
        idle.GetProperty("socketOpen").GetBoolean().ShouldBeTrue();
        idle.GetProperty("matchedCount").GetInt32().ShouldBe(0, idle.GetRawText());
        idle.GetProperty("callsStarted").GetInt32().ShouldBe(0);
        idle.GetProperty("candidatesReceived").GetInt32().ShouldBe(0);
        idle.GetProperty("chats").GetArrayLength().ShouldBe(0);
        idle.GetProperty("sessionEndedData").GetArrayLength().ShouldBe(0);
        idle.GetProperty("errors").GetArrayLength().ShouldBe(0);

        await newer.Page.CloseAsync();
        (await Sessions.EventuallyAsync(async () => await OpenSocketsAsync() == 2)).ShouldBeTrue("the server never saw the newer tab close");

        await CallSteps.ChatBothWaysAsync(older, partner, "I closed my other tab", "Still here");
        await older.WaitForAudioFlowingAsync();
        await partner.WaitForAudioFlowingAsync();
        foreach (var page in new[] { older, partner })
        {
            var state = await page.StateAsync();
            state.GetProperty("matchedCount").GetInt32().ShouldBe(1, state.GetRawText());
            state.GetProperty("callsStarted").GetInt32().ShouldBe(1);
            state.GetProperty("sessionEndedData").GetArrayLength().ShouldBe(0);
            state.GetProperty("errors").GetArrayLength().ShouldBe(0);
        }

        (await Host.SessionStatusAsync(sessionId)).ShouldBe("active");
        (await Host.ReconnectDeadlineAsync(sessionId, a)).ShouldBeNull();
    }

    private async Task<double> OpenSocketsAsync()
    {
        var response = await Host.Http.GetAsync("/metrics");
        response.EnsureSuccessStatusCode();
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync()).Single("speaking_open_sockets");
    }
}
