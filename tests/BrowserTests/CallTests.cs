using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Speaking.BrowserTests.Support;
using Speaking.Infrastructure.Realtime;
using Speaking.IntegrationTests.Support;

namespace Speaking.BrowserTests;

/// <summary>
/// Two real Chromium contexts, each with a fake microphone, talk to the real service (real Kestrel port, real
/// PostgreSQL, matchmaking every second) exactly as the frontend does, and must end up in a working WebRTC call
/// whose offer, answer and ICE candidates went through our signaling relay.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class CallTests(Chromium chromium) : IAsyncLifetime
{
    private PageServer _server = null!;
    private TestHost _host = null!;

    public async Task InitializeAsync()
    {
        _server = await PageServer.StartAsync();
        _host = await TestHost.StartAsync(new Dictionary<string, string?> { ["CORS_ORIGINS"] = _server.Origin });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Roulette_ConnectsAnAudioCall_CarriesChatBothWays_AndEndingItCompletesTheSession()
    {
        var (a, b) = (await _host.RegisterAsync("Anna"), await _host.RegisterAsync("Bek"));
        await using var pageA = await CallPage.OpenAsync(chromium.Browser, _server, _host, a);
        await using var pageB = await CallPage.OpenAsync(chromium.Browser, _server, _host, b);

        var sessionId = await StartCallAsync(pageA, pageB, page => page.JoinRouletteAsync());
        (await SessionStatusAsync(sessionId)).ShouldBe("active");

        await ChatBothWaysAsync(pageA, pageB, "Salom from Anna", "Hi from Bek");

        await pageA.EndSessionAsync();
        await pageB.WaitUntilAsync("state.sessionEnded && state.callClosed");
        await pageA.WaitUntilAsync("state.sessionEnded");
        var ended = await pageB.StateAsync();
        ended.GetProperty("sessionEndedData")[0].GetProperty("session_id").GetString().ShouldBe(sessionId.ToString());
        (await SessionStatusAsync(sessionId)).ShouldBe("completed");
    }

    [Fact]
    public async Task Reconnect_WithinTheGracePeriod_ResumesTheSession_AndTheCallConnectsAgain()
    {
        var (a, b) = (await _host.RegisterAsync("Anna"), await _host.RegisterAsync("Bek"));
        await using var pageA = await CallPage.OpenAsync(chromium.Browser, _server, _host, a);
        await using var pageB = await CallPage.OpenAsync(chromium.Browser, _server, _host, b);
        var sessionId = await StartCallAsync(pageA, pageB, page => page.JoinRouletteAsync());

        await pageA.CloseSocketAsync();
        await EventuallyAsync(async () => !await IsOnlineAsync(b, a), "the server never saw A's socket close");
        await EventuallyAsync(async () => await ReconnectDeadlineAsync(sessionId, a) is not null, "no reconnect deadline was stored for A's side");

        await pageA.ReconnectAsync();
        await pageA.WaitUntilAsync("state.socketOpen && state.socketsOpened === 2");
        await EventuallyAsync(() => IsOnlineAsync(b, a), "A never came back online");
        // The call restarts on both sides (A gets matched again, B session_ended then matched) and connects again.
        foreach (var page in new[] { pageA, pageB })
            await page.WaitUntilAsync("state.matchedCount >= 2 && (state.iceConnectionState === 'connected' || state.iceConnectionState === 'completed')");
        // A's new connection took the session over. Read only now: is_online turns true before the resume binds,
        // and matched is sent after it.
        (await ReconnectDeadlineAsync(sessionId, a)).ShouldBeNull();

        await ChatBothWaysAsync(pageA, pageB, "Still there?", "Yes, I hear you");
        foreach (var page in new[] { pageA, pageB })
        {
            var state = await page.StateAsync();
            state.GetProperty("iceConnectionState").GetString().ShouldBeOneOf("connected", "completed");
            state.GetProperty("matched").GetProperty("session_id").GetString().ShouldBe(sessionId.ToString());
        }

        (await SessionStatusAsync(sessionId)).ShouldBe("active");
    }

    [Fact]
    public async Task LevelFilter_PairsBandsHalfABandApart_IntoAConnectedCall()
    {
        var a = await _host.RegisterAsync("Anna", level: 6.0);
        var b = await _host.RegisterAsync("Bek", level: 6.5);
        await using var pageA = await CallPage.OpenAsync(chromium.Browser, _server, _host, a);
        await using var pageB = await CallPage.OpenAsync(chromium.Browser, _server, _host, b);

        var sessionId = await StartCallAsync(pageA, pageB, page => page.JoinLevelFilterAsync(page == pageA ? 6.0 : 6.5));

        (await pageA.StateAsync()).GetProperty("matched").GetProperty("partner_level").GetDouble().ShouldBe(6.5);
        (await pageB.StateAsync()).GetProperty("matched").GetProperty("partner_level").GetDouble().ShouldBe(6.0);
        (await pageB.StateAsync()).GetProperty("queueJoined").GetProperty("level_filter").GetDouble().ShouldBe(6.5);
        await using var db = await _host.OpenDbAsync();
        await using var mode = new NpgsqlCommand("SELECT mode FROM sessions WHERE id = @id", db);
        mode.Parameters.AddWithValue("id", sessionId);
        (await mode.ExecuteScalarAsync()).ShouldBe("level_filter");
    }

    [Fact]
    public async Task Matched_CarriesThePracticeCard_AndTheCallStillConnects_WithTheTimedScriptRunning()
    {
        var (a, b) = (await _host.RegisterAsync("Anna"), await _host.RegisterAsync("Bek"));
        await using var pageA = await CallPage.OpenAsync(chromium.Browser, _server, _host, a);
        await using var pageB = await CallPage.OpenAsync(chromium.Browser, _server, _host, b);

        await StartCallAsync(pageA, pageB, page => page.JoinRouletteAsync()); // ICE connected, partner audio, no errors

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
        await ChatBothWaysAsync(pageA, pageB, "Part 1: where is your hometown?", "In Samarkand.");
        foreach (var page in new[] { pageA, pageB })
        {
            var state = await page.StateAsync();
            state.GetProperty("iceConnectionState").GetString().ShouldBeOneOf("connected", "completed");
            state.GetProperty("errors").GetArrayLength().ShouldBe(0, state.GetRawText());
        }
    }

    /// <summary>
    /// A joins, then B (so A is the initiator); both get the same match and reach a connected call with the
    /// partner's audio track and its bytes arriving. Returns the session id.
    /// </summary>
    internal static async Task<Guid> StartCallAsync(CallPage pageA, CallPage pageB, Func<CallPage, Task> join)
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
    internal static async Task ChatBothWaysAsync(CallPage pageA, CallPage pageB, string fromA, string fromB)
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

    private async Task<string?> SessionStatusAsync(Guid sessionId)
    {
        await using var db = await _host.OpenDbAsync();
        await using var command = new NpgsqlCommand("SELECT status FROM sessions WHERE id = @id", db);
        command.Parameters.AddWithValue("id", sessionId);
        return (string?)await command.ExecuteScalarAsync();
    }

    private async Task<DateTime?> ReconnectDeadlineAsync(Guid sessionId, TestUser user)
    {
        await using var db = await _host.OpenDbAsync();
        await using var command = new NpgsqlCommand(
            "SELECT reconnect_deadline FROM session_participants WHERE session_id = @id AND user_id = @user", db);
        command.Parameters.AddWithValue("id", sessionId);
        command.Parameters.AddWithValue("user", user.Id);
        return await command.ExecuteScalarAsync() is DateTime deadline ? deadline : null;
    }

    private async Task<bool> IsOnlineAsync(TestUser asker, TestUser user)
    {
        var response = await _host.SendAsync(HttpMethod.Get, $"/users/{user.Id}", asker);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("is_online").GetBoolean();
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string failure)
    {
        var deadline = DateTime.UtcNow + CallPage.Eventually;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new ShouldAssertException(failure);
            await Task.Delay(100);
        }
    }
}
