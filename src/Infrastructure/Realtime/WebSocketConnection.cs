using System.Net.WebSockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Speaking.Application.Realtime;

namespace Speaking.Infrastructure.Realtime;

/// <summary>
/// One accepted socket. Everything sent to it goes through one bounded outbound queue drained by one writer, so
/// there is never more than one send in flight, and the writer also owns the close: it sends what is queued, then
/// the close frame, so a close never overtakes a message or cuts its own handshake. A client that falls behind by
/// more than <see cref="MaxQueuedMessages"/> messages or <see cref="MaxQueuedBytes"/> bytes on messages from others is
/// disconnected rather than allowed to hold memory or slow anybody else. The connection also holds its session
/// binding, changed under the same lock that queues a delivery, so a relay is never queued behind the
/// <c>session_ended</c> that ended its session.
/// </summary>
public sealed class WebSocketConnection
{
    public const int MaxQueuedMessages = 256;
    public const int MaxQueuedBytes = 1024 * 1024;

    private readonly WebSocket _socket;
    private readonly ILogger _logger;
    private readonly Channel<Outbound> _outbound = Channel.CreateBounded<Outbound>(new BoundedChannelOptions(MaxQueuedMessages)
    {
        SingleReader = true, FullMode = BoundedChannelFullMode.Wait,
    });
    private readonly CancellationTokenSource _abort = new();
    private readonly Lock _gate = new();
    private SessionBinding? _binding;
    private long _queuedBytes;
    private int _closeRequested;

    public WebSocketConnection(ConnectionRef reference, Guid userId, WebSocket socket, ILogger logger)
    {
        Ref = reference;
        UserId = userId;
        _socket = socket;
        _logger = logger;
    }

    public ConnectionRef Ref { get; }

    public Guid UserId { get; }

    /// <summary>Its place among the user's connections (the newest receives user-targeted messages, D-14).</summary>
    public long Order { get; set; }

    public WebSocket Socket => _socket;

    public CancellationToken Aborted => _abort.Token;

    public bool IsOpen => !_abort.IsCancellationRequested && _socket.State == WebSocketState.Open && Volatile.Read(ref _closeRequested) == 0;

    /// <summary>Called when the client stopped reading (the outbound queue overflowed).</summary>
    public event Action? SlowClient;

    public SessionBinding? Binding
    {
        get { lock (_gate) return _binding; }
    }

    /// <summary>Ends the hold on <paramref name="sessionId"/> if that is the session held.</summary>
    public void Release(Guid sessionId)
    {
        lock (_gate)
        {
            if (_binding?.SessionId == sessionId) _binding = null;
        }
    }

    /// <summary>
    /// Queues a message from elsewhere (a relay, a match, an invitation): the binding change first, and with
    /// <paramref name="onlyInSession"/> nothing unless this connection still holds that session. Never waits.
    /// </summary>
    public bool Deliver(byte[] frame, BindingChange? change, Guid? onlyInSession)
    {
        lock (_gate)
        {
            switch (change)
            {
                case BindingChange.Bind bind:
                    _binding = bind.Binding;
                    break;
                case BindingChange.Unbind unbind when _binding?.SessionId == unbind.SessionId:
                    _binding = null;
                    break;
            }

            if (onlyInSession is { } required && _binding?.SessionId != required) return false;
            return TryEnqueue(frame);
        }
    }

    private bool TryEnqueue(byte[] frame)
    {
        if (!IsOpen) return false;
        if (Interlocked.Add(ref _queuedBytes, frame.Length) > MaxQueuedBytes || !_outbound.Writer.TryWrite(new Outbound(frame)))
        {
            _logger.LogWarning("Connection {Connection} of user {UserId} is too slow to read its messages; disconnecting it", Ref, UserId);
            SlowClient?.Invoke();
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
            await _outbound.Writer.WriteAsync(new Outbound(frame), _abort.Token);
            Interlocked.Add(ref _queuedBytes, frame.Length);
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
        }
    }

    /// <summary>Asks the writer to send what is queued and then the close frame with this status. Returns at once.</summary>
    public void RequestClose(WebSocketCloseStatus status, string description)
    {
        if (Interlocked.Exchange(ref _closeRequested, 1) == 1) return;
        // The close item may wait for room behind queued messages; the writer takes it after them.
        _ = Task.Run(async () =>
        {
            try
            {
                await _outbound.Writer.WriteAsync(new Outbound(null, status, description), _abort.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
            {
            }
            finally
            {
                _outbound.Writer.TryComplete();
            }
        });
    }

    /// <summary>Runs until the queue is completed (after a close) or the connection aborted.</summary>
    public async Task RunWriterAsync()
    {
        try
        {
            await foreach (var item in _outbound.Reader.ReadAllAsync(_abort.Token))
            {
                if (item.Frame is { } frame)
                {
                    await _socket.SendAsync(frame, WebSocketMessageType.Text, true, _abort.Token);
                    Interlocked.Add(ref _queuedBytes, -frame.Length);
                    continue;
                }

                if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token);
                    timeout.CancelAfter(TimeSpan.FromSeconds(5));
                    await _socket.CloseOutputAsync(item.Status, item.Description, timeout.Token);
                }

                return;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException or InvalidOperationException)
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

    private readonly record struct Outbound(byte[]? Frame, WebSocketCloseStatus Status = default, string Description = "");
}
