using System.Net.WebSockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Speaking.Infrastructure.Realtime;

/// <summary>
/// One accepted socket. Everything sent to it goes through one bounded outbound queue drained by one writer,
/// so there is never more than one send in flight. A client that falls behind by more than
/// <see cref="MaxQueuedMessages"/> messages or <see cref="MaxQueuedBytes"/> bytes is disconnected rather than
/// allowed to hold memory or slow anybody else.
/// </summary>
public sealed class WebSocketConnection
{
    public const int MaxQueuedMessages = 256;
    public const int MaxQueuedBytes = 1024 * 1024;
    private static long _sequence;

    private readonly WebSocket _socket;
    private readonly ILogger _logger;
    private readonly Channel<byte[]> _outbound = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(MaxQueuedMessages)
    {
        SingleReader = true, FullMode = BoundedChannelFullMode.Wait,
    });
    private readonly CancellationTokenSource _abort = new();
    private long _queuedBytes;

    public WebSocketConnection(Guid userId, WebSocket socket, ILogger logger)
    {
        UserId = userId;
        _socket = socket;
        _logger = logger;
        Id = Interlocked.Increment(ref _sequence);
    }

    /// <summary>Grows with every connection opened in this process; the newest live connection has the largest.</summary>
    public long Id { get; }

    public Guid UserId { get; }

    public WebSocket Socket => _socket;

    public CancellationToken Aborted => _abort.Token;

    public bool IsOpen => !_abort.IsCancellationRequested && _socket.State == WebSocketState.Open;

    public bool TryEnqueue(byte[] frame)
    {
        if (!IsOpen) return false;
        if (Interlocked.Add(ref _queuedBytes, frame.Length) > MaxQueuedBytes || !_outbound.Writer.TryWrite(frame))
        {
            _logger.LogWarning("Connection {ConnectionId} of user {UserId} is too slow to read its messages; disconnecting it", Id, UserId);
            Abort();
            return false;
        }

        return true;
    }

    /// <summary>
    /// Queues a reply to this connection's own message. The read loop waits here while the queue is full, so a
    /// client that sends faster than it reads is slowed down (back-pressure) instead of being disconnected.
    /// </summary>
    public async ValueTask ReplyAsync(byte[] frame)
    {
        if (!IsOpen) return;
        try
        {
            await _outbound.Writer.WriteAsync(frame, _abort.Token);
            Interlocked.Add(ref _queuedBytes, frame.Length);
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
        }
    }

    /// <summary>Runs until the queue is completed or the connection aborted.</summary>
    public async Task RunWriterAsync()
    {
        try
        {
            await foreach (var frame in _outbound.Reader.ReadAllAsync(_abort.Token))
            {
                await _socket.SendAsync(frame, WebSocketMessageType.Text, true, _abort.Token);
                Interlocked.Add(ref _queuedBytes, -frame.Length);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            Abort();
        }
    }

    /// <summary>Lets the writer finish what is queued, then closes the socket with the given status.</summary>
    public async Task CloseAsync(WebSocketCloseStatus status, string description)
    {
        _outbound.Writer.TryComplete();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                await _socket.CloseOutputAsync(status, description, timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            Abort();
        }
    }

    public void Abort()
    {
        _outbound.Writer.TryComplete();
        if (!_abort.IsCancellationRequested)
        {
            try { _abort.Cancel(); }
            catch (ObjectDisposedException) { }
        }

        _socket.Abort();
    }
}
