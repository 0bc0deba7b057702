using System.Text.Json;
using Microsoft.Playwright;
using Speaking.IntegrationTests.Support;

namespace Speaking.BrowserTests.Support;

/// <summary>One user's browser context showing the test page; reads <c>window.state</c> and calls the page's functions.</summary>
public sealed class CallPage : IAsyncDisposable
{
    /// <summary>Generous: the machine is shared, and nothing here is a timing assertion.</summary>
    public static readonly TimeSpan Eventually = TimeSpan.FromSeconds(60);

    private readonly IBrowserContext _context;

    private CallPage(IBrowserContext context, IPage page, TestUser user)
    {
        _context = context;
        Page = page;
        User = user;
    }

    public IPage Page { get; }
    public TestUser User { get; }

    /// <summary>
    /// Opens the page in a fresh context, logs in with the REST form and opens the WebSocket. The call takes its ICE
    /// servers from <paramref name="iceServersUrl"/> (none by default) with <paramref name="iceTransportPolicy"/>.
    /// </summary>
    public static async Task<CallPage> OpenAsync(IBrowser browser, PageServer server, TestHost host, TestUser user, string? iceServersUrl = null,
        string? iceTransportPolicy = null)
    {
        var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var callPage = new CallPage(context, page, user);
        try
        {
            await page.GotoAsync(server.CallPageUrl(host.BaseUri, iceServersUrl, iceTransportPolicy));
            var id = await page.EvaluateAsync<string>("([email, password]) => login(email, password)", new[] { user.Email, user.Password });
            id.ShouldBe(user.IdText);
            await page.EvaluateAsync("() => connect()");
            return callPage;
        }
        catch
        {
            await callPage.DisposeAsync();
            throw;
        }
    }

    public Task JoinRouletteAsync() => Page.EvaluateAsync("() => joinQueue('roulette')");

    public Task JoinLevelFilterAsync(double level) => Page.EvaluateAsync("level => joinQueue('level_filter', level)", level);

    public Task SendChatAsync(string text) => Page.EvaluateAsync("text => sendChat(text)", text);

    public Task EndSessionAsync() => Page.EvaluateAsync("() => endSession()");

    public Task StartPracticeAsync() => Page.EvaluateAsync("() => startPractice()");

    public Task CloseSocketAsync() => Page.EvaluateAsync("() => closeSocket()");

    public Task ReconnectAsync() => Page.EvaluateAsync("() => reconnect()");

    public async Task<JsonElement> StateAsync() => await Page.EvaluateAsync<JsonElement>("() => window.state");

    /// <summary>The candidate pair ICE selected (getStats): state, and each side's candidate type, address and port.</summary>
    public async Task<JsonElement> SelectedPairAsync() => await Page.EvaluateAsync<JsonElement>("() => selectedPair()");

    /// <summary>Waits until <paramref name="condition"/> (a JavaScript expression over <c>state</c>) holds.</summary>
    public async Task WaitUntilAsync(string condition)
    {
        try
        {
            await Page.WaitForFunctionAsync($"() => {{ const state = window.state; return {condition}; }}", null,
                new PageWaitForFunctionOptions { Timeout = (float)Eventually.TotalMilliseconds, PollingInterval = 100 });
        }
        catch (TimeoutException)
        {
            throw new ShouldAssertException($"{User.Username}: '{condition}' never held; state: {(await StateAsync()).GetRawText()}");
        }
    }

    /// <summary>ICE connected (or completed) and the partner's audio track arrived.</summary>
    public Task WaitForConnectedCallAsync() =>
        WaitUntilAsync("(state.iceConnectionState === 'connected' || state.iceConnectionState === 'completed') && state.remoteAudioTrack");

    public async ValueTask DisposeAsync() => await _context.DisposeAsync();
}
