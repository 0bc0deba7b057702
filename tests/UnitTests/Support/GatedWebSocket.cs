using System.Net.WebSockets;
using System.Text;

namespace Speaking.UnitTests.Support;

/// <summary>
/// A fake server-side <see cref="WebSocket"/> for <c>WebSocketConnection</c>. Every send waits at a gate the test
/// opens one send at a time (<see cref="Release"/>), or not at all once <see cref="OpenGate"/> is called; it counts
/// how many sends are inside <see cref="SendAsync"/> at once, so "one send at a time" is checked by construction, not
/// by the luck of two sends overlapping. Sent frames and the close frame are recorded in <see cref="Events"/>, in order.
/// </summary>
public sealed class GatedWebSocket : WebSocket
{
    private readonly SemaphoreSlim _gate = new(0);
    private readonly SemaphoreSlim _started = new(0);
    private readonly List<string> _events = [];
    private readonly TaskCompletionSource _aborted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _open;
    private int _inFlight;
    private int _maxInFlight;
    private WebSocketState _state = WebSocketState.Open;

    /// <summary>A hang guard for waits on the code under test; never a timing assertion.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public override WebSocketCloseStatus? CloseStatus => null;
    public override string? CloseStatusDescription => null;
    public override WebSocketState State => _state;
    public override string? SubProtocol => null;

    /// <summary>Sends inside <see cref="SendAsync"/> right now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The most sends that were ever inside <see cref="SendAsync"/> at the same time.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    /// <summary>"text:{frame}" for every completed send and "close:{status}:{description}" for the close frame.</summary>
    public IReadOnlyList<string> Events
    {
        get { lock (_events) return _events.ToArray(); }
    }

    public bool WasAborted => _aborted.Task.IsCompleted;

    /// <summary>Lets <paramref name="sends"/> more sends through the gate.</summary>
    public void Release(int sends = 1) => _gate.Release(sends);

    /// <summary>From now on sends pass without waiting.</summary>
    public void OpenGate()
    {
        _open = true;
        _gate.Release(1_000_000);
    }

    /// <summary>Waits until one more send has entered <see cref="SendAsync"/>.</summary>
    public async Task SendStarted()
    {
        if (!await _started.WaitAsync(Patience)) throw new TimeoutException("No send started (hang guard).");
    }

    public override async Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
    {
        var now = Interlocked.Increment(ref _inFlight);
        int max;
        while (now > (max = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, now, max) != max) { }
        var text = Encoding.UTF8.GetString(buffer);
        _started.Release();
        try
        {
            if (!_open) await _gate.WaitAsync(cancellationToken);
            if (_state != WebSocketState.Open) throw new WebSocketException("The socket is not open.");
            lock (_events) _events.Add("text:" + text);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public override Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
    {
        lock (_events) _events.Add($"close:{(int)closeStatus}:{statusDescription}");
        _state = WebSocketState.CloseSent;
        return Task.CompletedTask;
    }

    public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
        CloseOutputAsync(closeStatus, statusDescription, cancellationToken);

    public override void Abort()
    {
        _state = WebSocketState.Aborted;
        _aborted.TrySetResult();
    }

    public override Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public override void Dispose()
    {
    }
}
