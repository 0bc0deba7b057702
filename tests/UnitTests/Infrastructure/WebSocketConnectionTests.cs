using System.Net.WebSockets;
using Microsoft.Extensions.Logging.Abstractions;
using Speaking.Infrastructure.Realtime;

namespace Speaking.UnitTests.Infrastructure;

public sealed class WebSocketConnectionTests
{
    /// <summary>A socket whose sends never complete until it is aborted: a client that stopped reading.</summary>
    private sealed class StuckSocket : WebSocket
    {
        private readonly TaskCompletionSource _aborted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private WebSocketState _state = WebSocketState.Open;

        public int SendsStarted;

        public override WebSocketCloseStatus? CloseStatus => null;
        public override string? CloseStatusDescription => null;
        public override WebSocketState State => _state;
        public override string? SubProtocol => null;

        public override void Abort()
        {
            _state = WebSocketState.Aborted;
            _aborted.TrySetResult();
        }

        public override async Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref SendsStarted);
            await _aborted.Task.WaitAsync(cancellationToken);
            throw new WebSocketException("aborted");
        }

        public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) => Task.CompletedTask;
        public override Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) => Task.CompletedTask;
        public override Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken) => throw new NotSupportedException();
        public override void Dispose() { }
    }

    [Fact]
    public void TryEnqueue_BeyondTheMessageBound_DisconnectsTheSlowClient()
    {
        var socket = new StuckSocket();
        var connection = new WebSocketConnection(Guid.NewGuid(), socket, NullLogger.Instance);
        var frame = new byte[16];

        // No writer runs: nothing leaves the queue, as with a client that stopped reading.
        for (var i = 0; i < WebSocketConnection.MaxQueuedMessages; i++) connection.TryEnqueue(frame).ShouldBeTrue();

        connection.TryEnqueue(frame).ShouldBeFalse();
        connection.IsOpen.ShouldBeFalse();
        socket.State.ShouldBe(WebSocketState.Aborted);
        connection.TryEnqueue(frame).ShouldBeFalse();
    }

    [Fact]
    public void TryEnqueue_BeyondTheByteBound_DisconnectsTheSlowClient()
    {
        var socket = new StuckSocket();
        var connection = new WebSocketConnection(Guid.NewGuid(), socket, NullLogger.Instance);
        var frame = new byte[64 * 1024];

        for (var i = 0; i < WebSocketConnection.MaxQueuedBytes / frame.Length; i++) connection.TryEnqueue(frame).ShouldBeTrue();

        connection.TryEnqueue(frame).ShouldBeFalse();
        socket.State.ShouldBe(WebSocketState.Aborted);
    }

    [Fact]
    public async Task RunWriter_SendsOneFrameAtATime_AndEndsWhenTheClientIsCutOff()
    {
        var socket = new StuckSocket();
        var connection = new WebSocketConnection(Guid.NewGuid(), socket, NullLogger.Instance);
        var writer = connection.RunWriterAsync();
        for (var i = 0; i < 10; i++) connection.TryEnqueue(new byte[8]).ShouldBeTrue();

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Volatile.Read(ref socket.SendsStarted) == 0 && DateTime.UtcNow < deadline) await Task.Delay(10);
        await Task.Delay(50); // give the writer the chance to (wrongly) start a second send while the first is stuck
        socket.SendsStarted.ShouldBe(1);

        connection.Abort();
        await writer.WaitAsync(TimeSpan.FromSeconds(10));
        connection.IsOpen.ShouldBeFalse();
    }
}
