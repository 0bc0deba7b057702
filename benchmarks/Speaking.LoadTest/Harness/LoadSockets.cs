using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;

namespace Speaking.LoadTest.Harness;

/// <summary>
/// Opens client WebSockets from many loopback source addresses (127.0.0.2, 127.0.0.3, …; Linux routes all of 127/8
/// to the loopback interface), <see cref="PerAddress"/> sockets each, so tens of thousands of sockets do not run out
/// of one address's ephemeral ports and per-address caps can be exercised. Each address has its own handler whose
/// ConnectCallback binds the local end before connecting.
/// </summary>
public sealed class SocketFactory(int perAddress) : IDisposable
{
    private readonly Dictionary<int, HttpMessageInvoker> _invokers = [];
    private readonly Lock _gate = new();

    public int PerAddress { get; } = Math.Max(1, perAddress);

    public int AddressesUsed
    {
        get { lock (_gate) return _invokers.Count; }
    }

    /// <summary>127.0.0.2 … 127.0.0.254, then 127.0.1.2 …: the index-th source address.</summary>
    public static IPAddress SourceAddress(int index) => new([127, (byte)(index / 253 / 256), (byte)(index / 253 % 256), (byte)(2 + index % 253)]);

    public async Task<LoadSocket> ConnectAsync(Uri uri, int socketIndex, string userId, CancellationToken ct)
    {
        var ws = new ClientWebSocket();
        ws.Options.KeepAliveInterval = TimeSpan.Zero; // the server pings; browsers do not send pings of their own
        ws.Options.SetBuffer(4096, 4096);
        try
        {
            await ws.ConnectAsync(uri, InvokerFor(socketIndex / PerAddress), ct);
        }
        catch
        {
            ws.Dispose();
            throw;
        }

        return new LoadSocket(ws, userId, socketIndex);
    }

    private HttpMessageInvoker InvokerFor(int addressIndex)
    {
        lock (_gate)
        {
            if (_invokers.TryGetValue(addressIndex, out var invoker)) return invoker;
            var source = SourceAddress(addressIndex);
            var handler = new SocketsHttpHandler
            {
                UseProxy = false,
                UseCookies = false,
                ConnectTimeout = TimeSpan.FromSeconds(30),
                ConnectCallback = async (context, token) =>
                {
                    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    try
                    {
                        socket.Bind(new IPEndPoint(source, 0));
                        var target = IPAddress.TryParse(context.DnsEndPoint.Host, out var ip) ? ip : IPAddress.Loopback;
                        await socket.ConnectAsync(new IPEndPoint(target, context.DnsEndPoint.Port), token);
                        return new NetworkStream(socket, ownsSocket: true);
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                },
            };
            invoker = new HttpMessageInvoker(handler);
            _invokers[addressIndex] = invoker;
            return invoker;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var invoker in _invokers.Values) invoker.Dispose();
            _invokers.Clear();
        }
    }
}

/// <summary>
/// One client socket with a receive loop that is always reading (so the server's protocol pings are answered) and
/// hands every text message to <see cref="OnMessage"/>. Sends are the caller's business: one sender at a time.
/// </summary>
public sealed class LoadSocket
{
    private static readonly byte[] TypeKey = "\"type\":\""u8.ToArray();
    private Task? _receiving;

    public LoadSocket(ClientWebSocket ws, string userId, int index)
    {
        Ws = ws;
        UserId = userId;
        Index = index;
    }

    public ClientWebSocket Ws { get; }

    public string UserId { get; }

    public int Index { get; }

    /// <summary>Called on the receive loop for each complete text message (the span is only valid during the call).</summary>
    public MessageHandler? OnMessage { get; set; }

    public long Received;

    /// <summary>Why the receive loop ended early (null while open or after our own close).</summary>
    public string? Failure { get; private set; }

    public delegate void MessageHandler(LoadSocket socket, ReadOnlySpan<byte> message);

    public void StartReceiving(CancellationToken ct) => _receiving = ReceiveLoopAsync(ct);

    public Task Receiving => _receiving ?? Task.CompletedTask;

    public Task SendAsync(string text, CancellationToken ct) =>
        Ws.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, ct);

    public ValueTask SendAsync(ReadOnlyMemory<byte> utf8, CancellationToken ct) => Ws.SendAsync(utf8, WebSocketMessageType.Text, true, ct);

    /// <summary>A clean close (our close frame, then the server's), bounded in time; aborts when that fails.</summary>
    public async Task CloseAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            if (Ws.State == WebSocketState.Open) await Ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", cts.Token);
            await _receiving!.WaitAsync(cts.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or TimeoutException)
        {
            Ws.Abort();
        }
        finally
        {
            Ws.Dispose();
        }
    }

    /// <summary>The value of the top-level "type" property, read without parsing the whole message.</summary>
    public static ReadOnlySpan<byte> TypeOf(ReadOnlySpan<byte> message)
    {
        var at = message.IndexOf(TypeKey);
        if (at < 0) return default;
        var rest = message[(at + TypeKey.Length)..];
        var end = rest.IndexOf((byte)'"');
        return end < 0 ? default : rest[..end];
    }

    /// <summary>The integer after <c>"key":</c> in the message (the carried timestamp), or null.</summary>
    public static long? LongAfter(ReadOnlySpan<byte> message, ReadOnlySpan<byte> quotedKeyColon)
    {
        var at = message.IndexOf(quotedKeyColon);
        if (at < 0) return null;
        return Utf8Parser.TryParse(message[(at + quotedKeyColon.Length)..], out long value, out _) ? value : null;
    }

    private async Task ReceiveLoopAsync(CancellationToken ct)
    {
        var buffer = new byte[2048];
        try
        {
            while (Ws.State == WebSocketState.Open)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
                    result = await Ws.ReceiveAsync(buffer.AsMemory(length), ct);
                    length += result.Count;
                } while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    if (Ws.CloseStatus != WebSocketCloseStatus.NormalClosure) Failure = $"closed by the server: {Ws.CloseStatus} {Ws.CloseStatusDescription}";
                    return;
                }

                Interlocked.Increment(ref Received);
                OnMessage?.Invoke(this, buffer.AsSpan(0, length));
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException)
        {
            Failure ??= e.Message;
        }
    }
}
