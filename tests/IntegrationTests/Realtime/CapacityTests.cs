using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Speaking.Infrastructure.Realtime;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Realtime;

/// <summary>
/// Issue 12 item 8: over a cap the handshake is refused with a plain HTTP status (503 for the node, 429 for a user or
/// a client address), counted in /metrics, while every admitted socket keeps answering and the process keeps serving.
/// Per-address caps key on the client address (127.0.0.x source addresses; the forwarded one behind TRUSTED_PROXIES).
/// </summary>
public sealed partial class CapacityTests
{
    [Fact]
    public async Task OverMaxConnections_TheHandshakeIs503_TheOthersKeepAnswering_AndRoomComesBackWhenSocketsClose()
    {
        const int cap = 200;
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["MAX_CONNECTIONS"] = cap.ToString(CultureInfo.InvariantCulture),
            ["MAX_SOCKETS_PER_USER"] = "100",
        });
        var users = new[] { await host.RegisterAsync(), await host.RegisterAsync() };
        var refusedBefore = await RefusedAsync(host, "node_full");
        var open = await OpenAsync(host, Enumerable.Range(0, cap).Select(i => users[i % 2]));
        await EveryOneAnswersAsync(open);

        var refusal = await RefusalAsync(host.WebSocketUri(users[0].Id, users[0].Token));
        var another = await host.RegisterAsync();
        var refusalOfANewUser = await RefusalAsync(host.WebSocketUri(another.Id, another.Token));

        refusal.Status.ShouldBe(503);
        refusal.RetryAfter.ShouldBe("5");
        refusalOfANewUser.Status.ShouldBe(503);
        await EveryOneAnswersAsync(open);
        (await host.Http.GetAsync("/health")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await RefusedAsync(host, "node_full")).ShouldBe(refusedBefore + 2);

        await Task.WhenAll(open.Take(3).Select(s => s.DisposeAsync().AsTask()));
        WsClient? admitted = null;
        (await Sessions.EventuallyAsync(async () => (admitted = await TryConnectAsync(host.WebSocketUri(another.Id, another.Token))) is not null)).ShouldBeTrue();
        await using (admitted)
        {
            (await admitted!.DrainAsync()).ShouldBeEmpty();
        }

        await EveryOneAnswersAsync(open.Skip(3).ToList());
        await Task.WhenAll(open.Skip(3).Select(s => s.DisposeAsync().AsTask()));
    }

    [Fact]
    public async Task OverMaxSocketsPerUser_TheHandshakeIs429_WhileOtherUsersGetIn()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["MAX_SOCKETS_PER_USER"] = "5" });
        var ann = await host.RegisterAsync();
        var bob = await host.RegisterAsync();
        var refusedBefore = await RefusedAsync(host, "user_cap");
        var anns = await OpenAsync(host, Enumerable.Repeat(ann, 5));

        var refusal = await RefusalAsync(host.WebSocketUri(ann.Id, ann.Token));

        refusal.Status.ShouldBe(429);
        await using (var bobs = await host.ConnectAsync(bob)) (await bobs.DrainAsync()).ShouldBeEmpty();
        await EveryOneAnswersAsync(anns);
        (await RefusedAsync(host, "user_cap")).ShouldBe(refusedBefore + 1);
        (await host.IsOnlineAsync(ann)).ShouldBeTrue();

        await anns[0].DisposeAsync();
        WsClient? again = null;
        (await Sessions.EventuallyAsync(async () => (again = await TryConnectAsync(host.WebSocketUri(ann.Id, ann.Token))) is not null)).ShouldBeTrue();
        await using (again) (await again!.DrainAsync()).ShouldBeEmpty();
        await Task.WhenAll(anns.Skip(1).Select(s => s.DisposeAsync().AsTask()));
    }

    [Fact]
    public async Task OverMaxSocketsPerAddress_TheHandshakeIs429_WhileAnotherAddressGetsIn()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["MAX_SOCKETS_PER_ADDRESS"] = "3" });
        var users = new[] { await host.RegisterAsync(), await host.RegisterAsync(), await host.RegisterAsync(), await host.RegisterAsync() };
        var refusedBefore = await RefusedAsync(host, "address_cap");
        using var second = From("127.0.0.2");
        using var third = From("127.0.0.3");
        var fromSecond = new List<WsClient>();
        foreach (var user in users.Take(3)) fromSecond.Add(await WsClient.ConnectAsync(host.WebSocketUri(user.Id, user.Token), second));

        var refusal = await RefusalAsync(host.WebSocketUri(users[3].Id, users[3].Token), second);

        refusal.Status.ShouldBe(429);
        await using (var fromThird = await WsClient.ConnectAsync(host.WebSocketUri(users[3].Id, users[3].Token), third))
            (await fromThird.DrainAsync()).ShouldBeEmpty();
        await EveryOneAnswersAsync(fromSecond);
        (await RefusedAsync(host, "address_cap")).ShouldBe(refusedBefore + 1);
        await Task.WhenAll(fromSecond.Select(s => s.DisposeAsync().AsTask()));
    }

    [Fact]
    public async Task BehindATrustedProxy_TheForwardedAddressIsWhatTheAddressCapCounts_AndAnUntrustedPeerCannotForgeIt()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["MAX_SOCKETS_PER_ADDRESS"] = "3",
            ["TRUSTED_PROXIES"] = "127.0.0.1",
        });
        var users = Enumerable.Range(0, 5).Select(_ => host.RegisterAsync()).ToArray();
        await Task.WhenAll(users);
        Uri UriOf(int i) => host.WebSocketUri(users[i].Result.Id, users[i].Result.Token);
        Action<ClientWebSocketOptions> ForwardedFor(string client) => o => o.SetRequestHeader("X-Forwarded-For", client);
        var sockets = new List<WsClient>();
        // Through the trusted proxy (127.0.0.1): three clients' worth from 203.0.113.7 fill its cap, not the proxy's.
        for (var i = 0; i < 3; i++) sockets.Add(await WsClient.ConnectAsync(UriOf(i), null, ForwardedFor("203.0.113.7")));

        (await RefusalAsync(UriOf(3), null, ForwardedFor("203.0.113.7"))).Status.ShouldBe(429);
        sockets.Add(await WsClient.ConnectAsync(UriOf(3), null, ForwardedFor("203.0.113.8")));
        sockets.Add(await WsClient.ConnectAsync(UriOf(4), null, ForwardedFor("203.0.113.9")));

        // 127.0.0.2 is no trusted proxy: its X-Forwarded-For is ignored, so new names do not buy it more sockets.
        using var untrusted = From("127.0.0.2");
        for (var i = 0; i < 3; i++) sockets.Add(await WsClient.ConnectAsync(UriOf(i), untrusted, ForwardedFor($"198.51.100.{i + 1}")));
        (await RefusalAsync(UriOf(3), untrusted, ForwardedFor("198.51.100.99"))).Status.ShouldBe(429);

        await EveryOneAnswersAsync(sockets);
        await Task.WhenAll(sockets.Select(s => s.DisposeAsync().AsTask()));
    }

    /// <summary>
    /// Kestrel's own cap on upgraded connections (set a little above MAX_CONNECTIONS as a backstop) refuses with 503
    /// like ours, never a 500; here it is made the tighter one on purpose.
    /// </summary>
    [Fact]
    public async Task WhenKestrelsUpgradeCapIsReachedFirst_TheHandshakeIsStill503()
    {
        await using var host = await TestHost.StartAsync(replaceServices: services =>
            services.Configure<KestrelServerOptions>(o => o.Limits.MaxConcurrentUpgradedConnections = 2));
        var user = await host.RegisterAsync();
        var open = await OpenAsync(host, [user, user]);
        var refusedBefore = await RefusedAsync(host, "node_full");

        var refusal = await RefusalAsync(host.WebSocketUri(user.Id, user.Token));

        refusal.Status.ShouldBe(503);
        (await RefusedAsync(host, "node_full")).ShouldBe(refusedBefore + 1);
        await EveryOneAnswersAsync(open);
        await open[0].DisposeAsync();
        WsClient? again = null;
        (await Sessions.EventuallyAsync(async () => (again = await TryConnectAsync(host.WebSocketUri(user.Id, user.Token))) is not null)).ShouldBeTrue();
        await using (again) (await again!.DrainAsync()).ShouldBeEmpty();
        await open[1].DisposeAsync();
    }

    [Fact]
    public async Task KestrelsCaps_AreDerivedFromMaxConnectionsAndTheOpenFileLimit()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["MAX_CONNECTIONS"] = "1000" });
        var limits = host.App.Web.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;
        var openFiles = ConnectionLimits.OpenFileLimit();

        limits.MaxConcurrentUpgradedConnections.ShouldBe(1016);
        limits.MaxConcurrentConnections.ShouldBe(openFiles is { } files ? Math.Max(64, files - 1016 - ConnectionLimits.ReservedDescriptors) : null);
    }

    private static async Task<List<WsClient>> OpenAsync(TestHost host, IEnumerable<TestUser> users)
    {
        using var gate = new SemaphoreSlim(20);
        return [.. await Task.WhenAll(users.Select(async user =>
        {
            await gate.WaitAsync();
            try
            {
                return await host.ConnectAsync(user);
            }
            finally
            {
                gate.Release();
            }
        }))];
    }

    /// <summary>Every socket answers a ping with a pong (and nothing else arrived before it).</summary>
    private static async Task EveryOneAnswersAsync(IReadOnlyList<WsClient> sockets)
    {
        var answers = await Task.WhenAll(sockets.Select(s => s.DrainAsync()));
        answers.ShouldAllBe(before => before.Count == 0);
        sockets.ShouldAllBe(s => s.Socket.State == WebSocketState.Open);
    }

    private static async Task<(int Status, string? RetryAfter)> RefusalAsync(Uri uri, HttpMessageInvoker? invoker = null,
        Action<ClientWebSocketOptions>? options = null)
    {
        var status = 0;
        string? retryAfter = null;
        try
        {
            var accepted = await WsClient.ConnectAsync(uri, invoker, options, refused =>
            {
                status = (int)refused.HttpStatusCode;
                retryAfter = refused.HttpResponseHeaders?.TryGetValue("Retry-After", out var values) == true ? string.Join(",", values) : null;
            });
            await accepted.DisposeAsync();
        }
        catch (WebSocketException)
        {
            return (status, retryAfter);
        }

        throw new ShouldAssertException($"The handshake to {uri.AbsolutePath} was accepted; a refusal was expected.");
    }

    private static async Task<WsClient?> TryConnectAsync(Uri uri)
    {
        try
        {
            return await WsClient.ConnectAsync(uri, null);
        }
        catch (WebSocketException)
        {
            return null;
        }
    }

    /// <summary>HTTP connections from another loopback source address (Linux routes all of 127/8 to loopback).</summary>
    private static HttpMessageInvoker From(string localAddress) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Parse(localAddress), 0));
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    });

    /// <summary><c>speaking_refused_connections_total{reason="..."}</c> from /metrics (direct loopback requests may read it).</summary>
    private static async Task<double> RefusedAsync(TestHost host, string reason)
    {
        var text = await host.Http.GetStringAsync("/metrics");
        var match = Regex.Match(text, $$"""^speaking_refused_connections_total\{reason="{{reason}}"\} (\S+)$""", RegexOptions.Multiline);
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }
}
