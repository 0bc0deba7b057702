using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Speaking.BrowserTests.Support;
using Speaking.IntegrationTests.Support;

namespace Speaking.BrowserTests;

/// <summary>
/// Two real Chromium contexts, each with a fake microphone, talk to the real service (real Kestrel port, real
/// PostgreSQL, matchmaking every second) exactly as the frontend does, and must end up in a working WebRTC call
/// whose offer, answer and ICE candidates went through our signaling relay.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class CallTests(Chromium chromium) : ServiceAndPages
{

    [Fact]
    public async Task Roulette_ConnectsAnAudioCall_CarriesChatBothWays_AndEndingItCompletesTheSession()
    {
        var (a, b) = (await Host.RegisterAsync("Anna"), await Host.RegisterAsync("Bek"));
        await using var pageA = await CallPage.OpenAsync(chromium.Browser, Server, Host, a);
        await using var pageB = await CallPage.OpenAsync(chromium.Browser, Server, Host, b);

        var sessionId = await CallSteps.StartCallAsync(pageA, pageB, page => page.JoinRouletteAsync());
        (await Host.SessionStatusAsync(sessionId)).ShouldBe("active");

        await CallSteps.ChatBothWaysAsync(pageA, pageB, "Salom from Anna", "Hi from Bek");

        await pageA.EndSessionAsync();
        await pageB.WaitUntilAsync("state.sessionEnded && state.callClosed");
        await pageA.WaitUntilAsync("state.sessionEnded");
        var ended = await pageB.StateAsync();
        ended.GetProperty("sessionEndedData")[0].GetProperty("session_id").GetString().ShouldBe(sessionId.ToString());
        (await Host.SessionStatusAsync(sessionId)).ShouldBe("completed");
    }

    [Fact]
    public async Task Reconnect_WithinTheGracePeriod_ResumesTheSession_AndTheCallConnectsAgain()
    {
        var (a, b) = (await Host.RegisterAsync("Anna"), await Host.RegisterAsync("Bek"));
        await using var pageA = await CallPage.OpenAsync(chromium.Browser, Server, Host, a);
        await using var pageB = await CallPage.OpenAsync(chromium.Browser, Server, Host, b);
        var sessionId = await CallSteps.StartCallAsync(pageA, pageB, page => page.JoinRouletteAsync());

        await pageA.CloseSocketAsync();
        (await Sessions.EventuallyAsync(async () => !await IsOnlineAsync(b, a), seconds: (int)CallPage.Eventually.TotalSeconds)).ShouldBeTrue("the server never saw A's socket close");
        (await Sessions.EventuallyAsync(async () => await Host.ReconnectDeadlineAsync(sessionId, a) is not null, seconds: (int)CallPage.Eventually.TotalSeconds)).ShouldBeTrue("no reconnect deadline was stored for A's side");

        await pageA.ReconnectAsync();
        await pageA.WaitUntilAsync("state.socketOpen && state.socketsOpened === 2");
        (await Sessions.EventuallyAsync(() => IsOnlineAsync(b, a), seconds: (int)CallPage.Eventually.TotalSeconds)).ShouldBeTrue("A never came back online");
        // The call restarts on both sides (A gets matched again, B session_ended then matched) and connects again.
        foreach (var page in new[] { pageA, pageB })
            await page.WaitUntilAsync("state.matchedCount >= 2 && (state.iceConnectionState === 'connected' || state.iceConnectionState === 'completed')");
        // A's new connection took the session over. Read only now: is_online turns true before the resume binds,
        // and matched is sent after it.
        (await Host.ReconnectDeadlineAsync(sessionId, a)).ShouldBeNull();

        await CallSteps.ChatBothWaysAsync(pageA, pageB, "Still there?", "Yes, I hear you");
        foreach (var page in new[] { pageA, pageB })
        {
            var state = await page.StateAsync();
            state.GetProperty("iceConnectionState").GetString().ShouldBeOneOf("connected", "completed");
            state.GetProperty("matched").GetProperty("session_id").GetString().ShouldBe(sessionId.ToString());
        }

        (await Host.SessionStatusAsync(sessionId)).ShouldBe("active");
    }

    [Fact]
    public async Task LevelFilter_PairsBandsHalfABandApart_IntoAConnectedCall()
    {
        var a = await Host.RegisterAsync("Anna", level: 6.0);
        var b = await Host.RegisterAsync("Bek", level: 6.5);
        await using var pageA = await CallPage.OpenAsync(chromium.Browser, Server, Host, a);
        await using var pageB = await CallPage.OpenAsync(chromium.Browser, Server, Host, b);

        var sessionId = await CallSteps.StartCallAsync(pageA, pageB, page => page.JoinLevelFilterAsync(page == pageA ? 6.0 : 6.5));

        (await pageA.StateAsync()).GetProperty("matched").GetProperty("partner_level").GetDouble().ShouldBe(6.5);
        (await pageB.StateAsync()).GetProperty("matched").GetProperty("partner_level").GetDouble().ShouldBe(6.0);
        (await pageB.StateAsync()).GetProperty("queueJoined").GetProperty("level_filter").GetDouble().ShouldBe(6.5);
        await using var db = await Host.OpenDbAsync();
        await using var mode = new NpgsqlCommand("SELECT mode FROM sessions WHERE id = @id", db);
        mode.Parameters.AddWithValue("id", sessionId);
        (await mode.ExecuteScalarAsync()).ShouldBe("level_filter");
    }

    [Fact]
    public async Task Matched_CarriesThePracticeCard_AndTheCallStillConnects_WithTheTimedScriptRunning()
    {
        var (a, b) = (await Host.RegisterAsync("Anna"), await Host.RegisterAsync("Bek"));
        await using var pageA = await CallPage.OpenAsync(chromium.Browser, Server, Host, a);
        await using var pageB = await CallPage.OpenAsync(chromium.Browser, Server, Host, b);

        await CallSteps.StartCallAsync(pageA, pageB, page => page.JoinRouletteAsync()); // ICE connected, partner audio, no errors

        var practiceA = (await pageA.StateAsync()).GetProperty("matched").GetProperty("practice");
        var practiceB = (await pageB.StateAsync()).GetProperty("matched").GetProperty("practice");
        practiceA.GetProperty("card").GetProperty("id").GetString().ShouldStartWith("card-");
        practiceA.GetProperty("card").GetProperty("topic").GetString().ShouldStartWith("Describe ");
        practiceA.GetProperty("part1_questions").GetArrayLength().ShouldBe(3);
        practiceB.GetRawText().ShouldBe(practiceA.GetRawText());

        // The script's messages are unknown to the page, as to the frontend: ignored, and the call goes on.
        await pageA.StartPracticeAsync();
        await pageA.WaitUntilAsync("state.otherMessages.includes('practice_phase')");
        await pageB.WaitUntilAsync("state.otherMessages.includes('practice_phase')");
        await CallSteps.ChatBothWaysAsync(pageA, pageB, "Part 1: where is your hometown?", "In Samarkand.");
        foreach (var page in new[] { pageA, pageB })
        {
            var state = await page.StateAsync();
            state.GetProperty("iceConnectionState").GetString().ShouldBeOneOf("connected", "completed");
            state.GetProperty("errors").GetArrayLength().ShouldBe(0, state.GetRawText());
        }
    }

    private async Task<bool> IsOnlineAsync(TestUser asker, TestUser user)
    {
        var response = await Host.SendAsync(HttpMethod.Get, $"/users/{user.Id}", asker);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("is_online").GetBoolean();
    }
}
