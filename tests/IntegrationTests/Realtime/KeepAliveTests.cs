using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Speaking.Infrastructure.Realtime;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Realtime;

/// <summary>
/// Protocol keep-alive with the intervals shortened for the test (1 s ping, 2 s to answer): a peer that stops
/// answering pings is dropped and goes offline; a healthy idle peer is never closed.
/// </summary>
public sealed class KeepAliveTests : HostPerTest
{
    protected override Action<IServiceCollection> ReplaceServices => services =>
        services.AddSingleton(new WebSocketLimits { KeepAliveInterval = TimeSpan.FromSeconds(1), KeepAliveTimeout = TimeSpan.FromSeconds(2) });

    [Fact]
    public async Task APeerThatNeverAnswersPings_IsDropped_AndGoesOffline()
    {
        var user = await Host.RegisterAsync();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", Host.App.BoundPort);
        var stream = tcp.GetStream();
        var handshake = $"GET /ws/match/{user.Id}?token={user.Token} HTTP/1.1\r\nHost: 127.0.0.1:{Host.App.BoundPort}\r\n" +
                        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(handshake));
        var response = new StringBuilder();
        var buffer = new byte[1];
        while (!response.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && await stream.ReadAsync(buffer) == 1)
            response.Append((char)buffer[0]);
        response.ToString().ShouldStartWith("HTTP/1.1 101");
        (await Sessions.EventuallyAsync(() => Host.IsOnlineAsync(user))).ShouldBeTrue();

        // From here on this "client" never reads or answers anything: a dead peer.
        (await Sessions.EventuallyAsync(async () => !await Host.IsOnlineAsync(user), seconds: 60)).ShouldBeTrue();
    }

    [Fact]
    public async Task AHealthyIdlePeer_IsNeverClosed()
    {
        var user = await Host.RegisterAsync();
        await using var ws = await Host.ConnectAsync(user);

        await Task.Delay(TimeSpan.FromSeconds(8)); // several ping rounds with nothing sent by the application
        (await ws.DrainAsync()).ShouldBeEmpty();
        ws.Closed.Task.IsCompleted.ShouldBeFalse();
        (await Host.IsOnlineAsync(user)).ShouldBeTrue();
    }
}
