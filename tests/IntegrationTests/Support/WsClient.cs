using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Speaking.IntegrationTests.Support;

/// <summary>
/// A real <see cref="ClientWebSocket"/> with a background reader: every text frame received is parsed and queued,
/// and the close status is recorded when the server closes.
/// </summary>
public sealed class WsClient : IAsyncDisposable
{
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(15);

    private readonly Channel<JsonElement> _inbox = Channel.CreateUnbounded<JsonElement>();
    private readonly Task _reader;

    private WsClient(ClientWebSocket socket)
    {
        Socket = socket;
        _reader = Task.Run(ReadAsync);
    }

    public ClientWebSocket Socket { get; }

    public WebSocketCloseStatus? CloseStatus { get; private set; }

    public TaskCompletionSource Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task<WsClient> ConnectAsync(Uri uri)
    {
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(uri, CancellationToken.None);
        return new WsClient(socket);
    }

    /// <summary>
    /// Connects through <paramref name="invoker"/> (e.g. a handler that binds another source address) with extra
    /// options (e.g. request headers). A refused handshake throws <see cref="WebSocketException"/>; the refusal's HTTP
    /// status and headers are on the socket passed to <paramref name="refused"/>.
    /// </summary>
    public static async Task<WsClient> ConnectAsync(Uri uri, HttpMessageInvoker? invoker, Action<ClientWebSocketOptions>? options = null,
        Action<ClientWebSocket>? refused = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        options?.Invoke(socket.Options);
        try
        {
            await socket.ConnectAsync(uri, invoker, CancellationToken.None);
        }
        catch (WebSocketException)
        {
            refused?.Invoke(socket);
            socket.Dispose();
            throw;
        }

        return new WsClient(socket);
    }

    public Task SendAsync(object message) => SendTextAsync(JsonSerializer.Serialize(message));

    public Task SendTextAsync(string text) =>
        Socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>The next message, whatever its type.</summary>
    public async Task<JsonElement> NextAsync(TimeSpan? wait = null)
    {
        using var timeout = new CancellationTokenSource(wait ?? DefaultWait);
        try
        {
            return await _inbox.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("No message arrived in time.");
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException($"The socket closed ({CloseStatus}) before a message arrived.");
        }
    }

    /// <summary>The next message of the given type; messages of other types before it are skipped.</summary>
    public async Task<JsonElement> WaitForAsync(string type, TimeSpan? wait = null)
    {
        var deadline = DateTime.UtcNow + (wait ?? DefaultWait);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"No '{type}' message arrived in time.");
            var message = await NextAsync(left);
            if (message.GetProperty("type").GetString() == type) return message;
        }
    }

    /// <summary>
    /// Sends a ping and returns every message that arrived before its pong. Messages to this socket are queued in
    /// order, so anything the server queued earlier is in the list: a deterministic "nothing else arrived" check.
    /// </summary>
    public async Task<List<JsonElement>> DrainAsync()
    {
        await SendAsync(new { type = "ping" });
        var before = new List<JsonElement>();
        while (true)
        {
            var message = await NextAsync();
            if (message.GetProperty("type").GetString() == "pong") return before;
            before.Add(message);
        }
    }

    public async Task CloseAsync()
    {
        if (Socket.State == WebSocketState.Open)
        {
            try
            {
                await Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", new CancellationTokenSource(5000).Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
            }
        }

        await Closed.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[256 * 1024];
        try
        {
            while (Socket.State == WebSocketState.Open)
            {
                var length = 0;
                WebSocketReceiveResult result;
                do
                {
                    result = await Socket.ReceiveAsync(buffer.AsMemory(length).ToArraySegment(), CancellationToken.None);
                    length += result.Count;
                } while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    CloseStatus = result.CloseStatus;
                    // Complete the closing handshake, as browsers do.
                    if (Socket.State == WebSocketState.CloseReceived)
                        await Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                    break;
                }

                using var document = JsonDocument.Parse(buffer.AsMemory(0, length));
                await _inbox.Writer.WriteAsync(document.RootElement.Clone());
            }
        }
        catch (WebSocketException)
        {
        }
        finally
        {
            CloseStatus ??= Socket.CloseStatus;
            _inbox.Writer.TryComplete();
            Closed.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await CloseAsync();
        }
        catch (TimeoutException)
        {
            Socket.Abort();
        }

        Socket.Dispose();
        await _reader.ConfigureAwait(false);
    }
}

internal static class MemoryExtensions
{
    public static ArraySegment<byte> ToArraySegment(this Memory<byte> memory) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray<byte>(memory, out var segment) ? segment : throw new InvalidOperationException();
}
