using System.Text.Json;
using System.Text.RegularExpressions;
using Speaking.BrowserTests.Support;
using Speaking.IntegrationTests.Support;

namespace Speaking.BrowserTests;

/// <summary>
/// Issue 13: a call that can only go through TURN. Both pages fetch their ICE servers from our
/// <c>/webrtc/turn-credentials</c> exactly as the frontend does with NEXT_PUBLIC_TURN_CREDENTIALS_URL (a plain
/// cross-origin GET), build <c>RTCPeerConnection({iceServers, iceTransportPolicy: "relay"})</c>, and are matched through
/// the queue; the call must connect through a real coturn (<c>use-auth-secret</c> with the service's TURN_SECRET) on
/// loopback, and the pair ICE selected must be relay to relay, so no host-candidate shortcut can pass.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed partial class RelayCallTests(Chromium chromium) : ServiceAndPages
{
    private Coturn _turn = null!;

    [GeneratedRegex("^[0-9]+:anon-[0-9a-f]{32}$")]
    private static partial Regex AnonymousUsername();

    protected override IDictionary<string, string?> Settings =>
        new Dictionary<string, string?> { ["TURN_SECRET"] = _turn.Secret, ["TURN_URLS"] = _turn.TurnUrl };

    protected override async Task BeforeStartAsync() => _turn = await Coturn.StartForLoopbackCallsAsync();

    protected override ValueTask AfterStopAsync() => _turn.DisposeAsync();

    [Fact]
    public async Task RelayOnlyCall_WithCredentialsFromOurEndpoint_ConnectsThroughCoturn()
    {
        var (a, b) = (await Host.RegisterAsync("Anna"), await Host.RegisterAsync("Bek"));
        var credentialsUrl = new Uri(Host.BaseUri, "/webrtc/turn-credentials").ToString();
        await using var pageA = await CallPage.OpenAsync(chromium.Browser, Server, Host, a, credentialsUrl, "relay");
        await using var pageB = await CallPage.OpenAsync(chromium.Browser, Server, Host, b, credentialsUrl, "relay");

        await CallSteps.StartCallAsync(pageA, pageB, page => page.JoinRouletteAsync()); // ICE connected, partner audio, no errors

        var usernames = new List<string>();
        foreach (var page in new[] { pageA, pageB })
        {
            var state = await page.StateAsync();
            var turn = state.GetProperty("iceServers").EnumerateArray().Single();
            turn.GetProperty("urls").EnumerateArray().Select(u => u.GetString()).ShouldBe([_turn.TurnUrl]);
            var username = turn.Str("username");
            AnonymousUsername().IsMatch(username).ShouldBeTrue(username);
            usernames.Add(username);
            state.GetProperty("candidateTypesSent").EnumerateArray().Select(t => t.GetString()).ShouldAllBe(t => t == "relay");

            var pair = await page.SelectedPairAsync();
            pair.ValueKind.ShouldBe(JsonValueKind.Object, $"{page.User.Username}: no selected candidate pair");
            pair.Str("state").ShouldBe("succeeded", pair.GetRawText());
            foreach (var side in new[] { "local", "remote" })
            {
                var candidate = pair.GetProperty(side);
                candidate.Str("candidateType").ShouldBe("relay", $"{page.User.Username} {side}: {pair.GetRawText()}");
                candidate.Str("address").ShouldBe("127.0.0.1");
                candidate.GetProperty("port").GetInt32().ShouldBeInRange(_turn.MinRelayPort, _turn.MaxRelayPort, "a port of coturn's relay range");
            }

            pair.GetProperty("local").Str("relayProtocol").ShouldBe("udp");
        }

        usernames.Distinct().Count().ShouldBe(2, "each page got its own anonymous credentials");
        foreach (var username in usernames)
            _turn.Log.ShouldContain(line => line.Contains(username) && line.Contains("ALLOCATE processed, success"), string.Join('\n', _turn.Log.TakeLast(30)));
    }
}
