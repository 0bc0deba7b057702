using Speaking.BrowserTests.Support;
using Speaking.IntegrationTests.Support;

namespace Speaking.BrowserTests;

/// <summary>
/// Issue 13, amendment A-2: a page that reloads mid-call comes back into the same call. The pages behave like the
/// frontend: the login survives a reload (localStorage), the match does not (memory); every <c>matched</c> starts a
/// fresh peer connection (the initiator offers, the callee answers) and <c>session_ended</c> tears the call down. The
/// server resumes the session on the reloaded page's new connection (<c>matched</c> again) and restarts the partner's
/// call (<c>session_ended</c> then <c>matched</c>); both must be back in a connected call with audio flowing, chat
/// must work both ways, and the session must outlive the reload's reconnect deadline.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class ResumeTests(Chromium chromium) : ServiceAndPages
{
    /// <summary>Short, so that the test can see the reload's deadline pass without the sweeper cancelling the session.</summary>
    private const int GraceSeconds = 10;

    protected override IDictionary<string, string?> Settings =>
        new Dictionary<string, string?> { ["SESSION_RECONNECT_GRACE_SECONDS"] = GraceSeconds.ToString() };

    [Fact]
    public Task InitiatorReloadsMidCall_BothPagesAreBackInTheSameConnectedCall_AndChatWorks() => ReloadMidCallAsync(reloadInitiator: true);

    [Fact]
    public Task CalleeReloadsMidCall_BothPagesAreBackInTheSameConnectedCall_AndChatWorks() => ReloadMidCallAsync(reloadInitiator: false);

    private async Task ReloadMidCallAsync(bool reloadInitiator)
    {
        var (a, b) = (await Host.RegisterAsync("Anna"), await Host.RegisterAsync("Bek"));
        await using var pageA = await CallPage.OpenAsync(chromium.Browser, Server, Host, a);
        await using var pageB = await CallPage.OpenAsync(chromium.Browser, Server, Host, b);
        var sessionId = await CallSteps.StartCallAsync(pageA, pageB, page => page.JoinRouletteAsync()); // A initiates
        var (reloading, staying) = reloadInitiator ? (pageA, pageB) : (pageB, pageA);

        var reloadedAt = DateTime.UtcNow;
        await reloading.ReloadAsync();

        // The reloaded page knows nothing of the call until the server gives it back; the partner's call restarts.
        await reloading.WaitUntilAsync("state.matchedCount === 1");
        await staying.WaitUntilAsync("state.matchedCount === 2");
        await pageA.WaitForAudioFlowingAsync();
        await pageB.WaitForAudioFlowingAsync();

        foreach (var (page, partner, initiator) in new[] { (pageA, pageB, true), (pageB, pageA, false) })
        {
            var state = await page.StateAsync();
            var matched = state.GetProperty("matched");
            matched.Str("session_id").ShouldBe(sessionId.ToString(), page.User.Username);
            matched.Str("partner_id").ShouldBe(partner.User.IdText);
            matched.GetProperty("is_initiator").GetBoolean().ShouldBe(initiator);
            state.GetProperty("errors").GetArrayLength().ShouldBe(0, state.GetRawText());
        }

        var reloaded = await reloading.StateAsync();
        reloaded.GetProperty("callsStarted").GetInt32().ShouldBe(1);
        reloaded.GetProperty("sessionEndedData").GetArrayLength().ShouldBe(0);
        reloaded.GetProperty(reloadInitiator ? "offersSent" : "answersSent").GetInt32().ShouldBeGreaterThanOrEqualTo(1);
        var partnerState = await staying.StateAsync();
        partnerState.GetProperty("callsStarted").GetInt32().ShouldBe(2); // torn down by session_ended, started anew by matched
        partnerState.GetProperty("sessionEndedData").EnumerateArray().Select(d => d.Str("session_id")).ShouldBe([sessionId.ToString()]);

        await CallSteps.ChatBothWaysAsync(pageA, pageB, "Can you hear me after the reload?", "Yes, loud and clear");
        (await Host.SessionStatusAsync(sessionId)).ShouldBe("active");
        (await Host.ReconnectDeadlineAsync(sessionId, a)).ShouldBeNull();
        (await Host.ReconnectDeadlineAsync(sessionId, b)).ShouldBeNull();

        // The reload's reconnect deadline has passed: the resumed session was not swept away, and the call goes on.
        var pastDeadline = reloadedAt.AddSeconds(GraceSeconds + 2) - DateTime.UtcNow;
        if (pastDeadline > TimeSpan.Zero) await Task.Delay(pastDeadline);
        (await Host.SessionStatusAsync(sessionId)).ShouldBe("active");
        await pageA.WaitForAudioFlowingAsync();
        await pageB.WaitForAudioFlowingAsync();
        (await staying.StateAsync()).GetProperty("sessionEndedData").GetArrayLength().ShouldBe(1);
        (await reloading.StateAsync()).GetProperty("sessionEndedData").GetArrayLength().ShouldBe(0);
    }
}
