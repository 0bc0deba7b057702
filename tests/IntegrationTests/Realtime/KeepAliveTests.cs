using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Speaking.Infrastructure.Realtime;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Realtime;

/// <summary>
/// Protocol keep-alive with the intervals shortened for the test (1 s ping, 2 s to answer): a peer that stops
/// answering pings is dropped and goes offline; a healthy idle peer is never closed. Both use a raw TCP client, so the
/// test sees every protocol ping and decides whether to answer it: the healthy case waits for pings answered, not for
/// time to pass. (The framework's ping timer is its own, not a TimeProvider, so there is no clock to move.)
/// </summary>
public sealed class KeepAliveTests : HostPerTest
{
    protected override Action<IServiceCollection> ReplaceServices => services =>
        services.AddSingleton(new WebSocketLimits { KeepAliveInterval = TimeSpan.FromSeconds(1), KeepAliveTimeout = TimeSpan.FromSeconds(2) });

    [Fact]
    public async Task APeerThatNeverAnswersPings_IsDropped_AndGoesOffline()
    {
        var user = await Host.RegisterAsync();
        using var peer = await RawPeer.ConnectAsync(Host, user);
        (await Sessions.EventuallyAsync(() => Host.IsOnlineAsync(user))).ShouldBeTrue();

        // From here on this "client" never reads or answers anything: a dead peer.
        (await Sessions.EventuallyAsync(async () => !await Host.IsOnlineAsync(user), seconds: 60)).ShouldBeTrue();
    }

    [Fact]
    public async Task AHealthyIdlePeer_IsNeverClosed()
    {
        var user = await Host.RegisterAsync();
        using var peer = await RawPeer.ConnectAsync(Host, user);

        // Each ping is answered, and nothing but pings arrives: no application message, no close frame, no end of stream.
        for (var answered = 0; answered < 3; answered++)
        {
            var frame = await peer.ReadFrameAsync();
            frame.Opcode.ShouldBe(RawPeer.Ping, $"after {answered} pings answered the server sent {frame.Describe()}");
            await peer.SendAsync(RawPeer.Pong, frame.Payload);
        }

        await peer.SendAsync(RawPeer.Text, """{"type":"ping"}"""u8.ToArray());
        var reply = await peer.ReadFrameAsync(answerPings: true);
        reply.Opcode.ShouldBe(RawPeer.Text, reply.Describe());
        Encoding.UTF8.GetString(reply.Payload).ShouldBe("""{"type":"pong"}""");
        (await Host.IsOnlineAsync(user)).ShouldBeTrue();
    }

    /// <summary>A WebSocket client written on a bare TCP stream (RFC 6455: unmasked frames in, masked frames out).</summary>
    private sealed class RawPeer : IDisposable
    {
        public const int Text = 0x1;
        public const int Close = 0x8;
        public const int Ping = 0x9;
        public const int Pong = 0xA;

        private static readonly TimeSpan FrameWait = TimeSpan.FromSeconds(30);
        private readonly TcpClient _tcp;
        private readonly NetworkStream _stream;

        private RawPeer(TcpClient tcp)
        {
            _tcp = tcp;
            _stream = tcp.GetStream();
        }

        public static async Task<RawPeer> ConnectAsync(TestHost host, TestUser user)
        {
            var tcp = new TcpClient();
            await tcp.ConnectAsync("127.0.0.1", host.App.BoundPort);
            var peer = new RawPeer(tcp);
            var handshake = $"GET /ws/match/{user.Id}?token={user.Token} HTTP/1.1\r\nHost: 127.0.0.1:{host.App.BoundPort}\r\n" +
                            "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
            await peer._stream.WriteAsync(Encoding.ASCII.GetBytes(handshake));
            var response = new StringBuilder();
            var one = new byte[1];
            while (!response.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && await peer._stream.ReadAsync(one) == 1)
                response.Append((char)one[0]);
            response.ToString().ShouldStartWith("HTTP/1.1 101");
            return peer;
        }

        /// <summary>The next whole frame from the server (answering pings first when <paramref name="answerPings"/>).</summary>
        public async Task<Frame> ReadFrameAsync(bool answerPings = false)
        {
            using var timeout = new CancellationTokenSource(FrameWait);
            while (true)
            {
                var header = await ReadExactlyAsync(2, timeout.Token);
                var opcode = header[0] & 0x0F;
                long length = header[1] & 0x7F;
                if (length == 126) length = BinaryPrimitives.ReadUInt16BigEndian(await ReadExactlyAsync(2, timeout.Token));
                else if (length == 127) length = (long)BinaryPrimitives.ReadUInt64BigEndian(await ReadExactlyAsync(8, timeout.Token));
                var frame = new Frame(opcode, await ReadExactlyAsync((int)length, timeout.Token));
                if (answerPings && opcode == Ping) await SendAsync(Pong, frame.Payload);
                else return frame;
            }
        }

        public async Task SendAsync(int opcode, byte[] payload)
        {
            if (payload.Length > 125) throw new ArgumentException("Short frames only.", nameof(payload));
            var mask = RandomNumberGenerator.GetBytes(4);
            var frame = new byte[2 + 4 + payload.Length];
            frame[0] = (byte)(0x80 | opcode);
            frame[1] = (byte)(0x80 | payload.Length);
            mask.CopyTo(frame, 2);
            for (var i = 0; i < payload.Length; i++) frame[6 + i] = (byte)(payload[i] ^ mask[i % 4]);
            await _stream.WriteAsync(frame);
        }

        private async Task<byte[]> ReadExactlyAsync(int count, CancellationToken ct)
        {
            var buffer = new byte[count];
            try
            {
                await _stream.ReadExactlyAsync(buffer, ct);
            }
            catch (Exception e) when (e is EndOfStreamException or IOException)
            {
                throw new ShouldAssertException($"The server closed the connection ({e.Message}).");
            }

            return buffer;
        }

        public void Dispose() => _tcp.Dispose();

        public sealed record Frame(int Opcode, byte[] Payload)
        {
            public string Describe() => Opcode switch
            {
                Close => $"a close frame ({(Payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(Payload) : 0)})",
                Text => "text: " + Encoding.UTF8.GetString(Payload),
                _ => $"opcode {Opcode}",
            };
        }
    }
}
