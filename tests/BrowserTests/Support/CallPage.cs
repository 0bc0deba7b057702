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
    private readonly string _url;
    private readonly bool _ownsContext;

    private CallPage(IBrowserContext context, IPage page, TestUser user, string url, bool ownsContext)
    {
        _context = context;
        Page = page;
        User = user;
        _url = url;
        _ownsContext = ownsContext;
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
        var url = server.CallPageUrl(host.BaseUri, iceServersUrl, iceTransportPolicy);
        var callPage = new CallPage(context, page, user, url, ownsContext: true);
        try
        {
            await page.GotoAsync(url);
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

    /// <summary>
    /// Opens the page in another tab of the same browser context (same user): it connects at once with the login the
    /// first tab stored, as the frontend does. Disposing the tab closes only the tab.
    /// </summary>
    public async Task<CallPage> OpenTabAsync()
    {
        var tab = new CallPage(_context, await _context.NewPageAsync(), User, _url, ownsContext: false);
        try
        {
            await tab.Page.GotoAsync(_url);
            await tab.WaitUntilAsync("state.restored && state.socketOpen");
            return tab;
        }
        catch
        {
            await tab.DisposeAsync();
            throw;
        }
    }

    /// <summary>Reloads the page (its socket closes, the match held in memory is gone) and waits until it has connected again.</summary>
    public async Task ReloadAsync()
    {
        await Page.ReloadAsync();
        await WaitUntilAsync("state.restored && state.socketOpen");
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

    /// <summary>
    /// The current call is connected (RTCPeerConnection connectionState "connected", the partner's audio track arrived)
    /// and audio is flowing: the inbound-rtp audio bytes keep growing.
    /// </summary>
    public async Task WaitForAudioFlowingAsync()
    {
        const string connected = "state.connectionState === 'connected' && state.remoteAudioTrack";
        await WaitUntilAsync($"{connected} && state.audioBytesReceived > 0");
        var bytes = (await StateAsync()).GetProperty("audioBytesReceived").GetInt64();
        await WaitUntilAsync($"{connected} && state.audioBytesReceived > {bytes}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownsContext) await _context.DisposeAsync();
        else if (!Page.IsClosed) await Page.CloseAsync();
    }
}
