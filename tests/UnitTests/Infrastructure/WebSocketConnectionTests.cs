using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Speaking.Application.Realtime;
using Speaking.Infrastructure.Realtime;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Infrastructure;

/// <summary>
/// The connection's single writer, its bounded queue and its binding, over a <see cref="GatedWebSocket"/> whose sends
/// wait for the test: nothing here depends on timing, a wait only guards against a hang.
/// </summary>
public sealed class WebSocketConnectionTests
{
    private static readonly TimeSpan Patience = GatedWebSocket.Patience;
    private readonly GatedWebSocket _socket = new();
    private readonly WebSocketConnection _connection;
    private readonly Guid _sessionId = Guid.NewGuid();
    private int _slowClientRaised;

    public WebSocketConnectionTests()
    {
        _connection = new WebSocketConnection(Fakes.Connection(1), Guid.NewGuid(), _socket, NullLogger.Instance);
        _connection.SlowClient += () => Interlocked.Increment(ref _slowClientRaised);
    }

    private static byte[] Frame(string text) => Encoding.UTF8.GetBytes(text);

    private SessionBinding Binding(Guid? sessionId = null) => new(sessionId ?? _sessionId, _connection.UserId, Guid.NewGuid(), Fakes.Connection(2));

    /// <summary>Lets every send through, asks for the close and returns what reached the socket.</summary>
    private async Task<IReadOnlyList<string>> Drain(Task? writer = null)
    {
        _socket.OpenGate();
        writer ??= _connection.RunWriterAsync();
        _connection.RequestClose(WebSocketCloseStatus.NormalClosure, "");
        await writer.WaitAsync(Patience);
        return _socket.Events;
    }

    [Fact]
    public async Task TheWriter_SendsOneFrameAtATime_InTheOrderQueued()
    {
        _connection.Deliver(Frame("m1"), null, null).ShouldBeTrue();
        await _connection.ReplyAsync(Frame("r2"));
        _connection.Deliver(Frame("m3"), null, null).ShouldBeTrue();

        var writer = _connection.RunWriterAsync();
        for (var i = 0; i < 3; i++)
        {
            await _socket.SendStarted();
            _socket.InFlight.ShouldBe(1); // every frame is already queued: a writer that did not wait would be inside the next send by now
            _socket.Release();
        }

        (await Drain(writer)).ShouldBe(["text:m1", "text:r2", "text:m3", "close:1000:"]);
        _socket.MaxInFlight.ShouldBe(1);
    }

    [Fact]
    public async Task TheCloseRequestedAfterQueuedMessages_IsSentAfterThem()
    {
        var writer = _connection.RunWriterAsync();
        for (var i = 1; i <= 3; i++) _connection.Deliver(Frame($"m{i}"), null, null).ShouldBeTrue();
        await _socket.SendStarted(); // the writer is stuck inside the first send

        _connection.RequestClose(WebSocketCloseStatus.EndpointUnavailable, "going away");

        _connection.IsOpen.ShouldBeFalse();
        _connection.Deliver(Frame("late"), null, null).ShouldBeFalse();
        await _connection.ReplyAsync(Frame("late reply"));
        _socket.OpenGate();
        await writer.WaitAsync(Patience);
        _socket.Events.ShouldBe(["text:m1", "text:m2", "text:m3", "close:1001:going away"]);
    }

    [Fact]
    public async Task RequestClose_Twice_SendsOneCloseFrame()
    {
        _connection.RequestClose(WebSocketCloseStatus.NormalClosure, "first");
        _connection.RequestClose(WebSocketCloseStatus.InternalServerError, "second");

        _socket.OpenGate();
        await _connection.RunWriterAsync().WaitAsync(Patience);
        _socket.Events.ShouldBe(["close:1000:first"]);
    }

    [Fact]
    public async Task Deliver_WithBind_HoldsTheSession_AndTheMessageIsQueued()
    {
        var binding = Binding();

        _connection.Deliver(Frame("matched"), new BindingChange.Bind(binding), null).ShouldBeTrue();

        _connection.Binding.ShouldBe(binding);
        (await Drain()).ShouldBe(["text:matched", "close:1000:"]);
    }

    [Fact]
    public async Task Deliver_OnlyInSession_IsQueuedOnlyWhileThatSessionIsHeld()
    {
        _connection.Deliver(Frame("before"), null, _sessionId).ShouldBeFalse();
        _connection.Deliver(Frame("matched"), new BindingChange.Bind(Binding()), null);

        _connection.Deliver(Frame("relay"), null, _sessionId).ShouldBeTrue();
        _connection.Deliver(Frame("other"), null, Guid.NewGuid()).ShouldBeFalse();

        (await Drain()).ShouldBe(["text:matched", "text:relay", "close:1000:"]);
    }

    [Fact]
    public async Task Deliver_WithUnbind_EndsTheHoldBeforeQueueing_SoNoRelayFollowsTheSessionEnded()
    {
        _connection.Deliver(Frame("matched"), new BindingChange.Bind(Binding()), null);

        _connection.Deliver(Frame("session_ended"), new BindingChange.Unbind(_sessionId), null).ShouldBeTrue();
        _connection.Deliver(Frame("relay"), null, _sessionId).ShouldBeFalse();

        _connection.Binding.ShouldBeNull();
        (await Drain()).ShouldBe(["text:matched", "text:session_ended", "close:1000:"]);
    }

    [Fact]
    public void Deliver_WithUnbindOfAnotherSession_KeepsTheHold()
    {
        var binding = Binding();
        _connection.Deliver(Frame("matched"), new BindingChange.Bind(binding), null);

        _connection.Deliver(Frame("session_ended"), new BindingChange.Unbind(Guid.NewGuid()), null).ShouldBeTrue();

        _connection.Binding.ShouldBe(binding);
    }

    [Fact]
    public void Deliver_WithUnbind_AndOnlyInThatSession_IsDropped()
    {
        _connection.Deliver(Frame("matched"), new BindingChange.Bind(Binding()), null);

        _connection.Deliver(Frame("x"), new BindingChange.Unbind(_sessionId), _sessionId).ShouldBeFalse();
    }

    [Fact]
    public void Deliver_WithBind_ReplacesTheSessionHeld()
    {
        _connection.Deliver(Frame("matched"), new BindingChange.Bind(Binding()), null);
        var next = Binding(Guid.NewGuid());

        _connection.Deliver(Frame("matched again"), new BindingChange.Bind(next), next.SessionId).ShouldBeTrue();

        _connection.Binding.ShouldBe(next);
    }

    [Fact]
    public void Release_EndsOnlyTheSessionNamed()
    {
        var binding = Binding();
        _connection.Deliver(Frame("matched"), new BindingChange.Bind(binding), null);

        _connection.Release(Guid.NewGuid());
        _connection.Binding.ShouldBe(binding);

        _connection.Release(_sessionId);
        _connection.Binding.ShouldBeNull();
    }

    [Fact]
    public void Deliver_BeyondTheMessageBound_AbortsTheConnection_AndRaisesSlowClientOnce()
    {
        // No writer runs: nothing leaves the queue, as with a client that stopped reading.
        for (var i = 0; i < WebSocketConnection.MaxQueuedMessages; i++) _connection.Deliver(Frame("x"), null, null).ShouldBeTrue();
        _slowClientRaised.ShouldBe(0);

        _connection.Deliver(Frame("x"), null, null).ShouldBeFalse();

        _slowClientRaised.ShouldBe(1);
        _connection.IsOpen.ShouldBeFalse();
        _connection.Aborted.IsCancellationRequested.ShouldBeTrue();
        _socket.WasAborted.ShouldBeTrue();
        _connection.Deliver(Frame("x"), null, null).ShouldBeFalse();
        _slowClientRaised.ShouldBe(1);
    }

    [Fact]
    public void Deliver_BeyondTheByteBound_AbortsTheConnection()
    {
        var frame = new byte[64 * 1024];
        for (var i = 0; i < WebSocketConnection.MaxQueuedBytes / frame.Length; i++) _connection.Deliver(frame, null, null).ShouldBeTrue();

        _connection.Deliver(new byte[1], null, null).ShouldBeFalse();

        _slowClientRaised.ShouldBe(1);
        _socket.WasAborted.ShouldBeTrue();
    }

    [Fact]
    public async Task SentFrames_NoLongerCountAgainstTheByteBound()
    {
        var frame = new byte[64 * 1024];
        var fill = WebSocketConnection.MaxQueuedBytes / frame.Length;
        for (var i = 0; i < fill; i++) _connection.Deliver(frame, null, null).ShouldBeTrue();
        var writer = _connection.RunWriterAsync();
        for (var i = 0; i < fill / 2; i++)
        {
            await _socket.SendStarted();
            _socket.Release();
        }

        await _socket.SendStarted(); // the writer counted the frames before this one out

        for (var i = 0; i < fill / 2; i++) _connection.Deliver(frame, null, null).ShouldBeTrue();
        _connection.IsOpen.ShouldBeTrue();
        _connection.Deliver(frame, null, null).ShouldBeFalse();
        _slowClientRaised.ShouldBe(1);
        await writer.WaitAsync(Patience);
    }

    [Fact]
    public async Task ReplyAsync_WaitsForRoom_InsteadOfDisconnecting()
    {
        for (var i = 0; i < WebSocketConnection.MaxQueuedMessages; i++)
            _connection.ReplyAsync(Frame($"r{i}")).IsCompleted.ShouldBeTrue();

        var waiting = _connection.ReplyAsync(Frame("last")).AsTask();

        waiting.IsCompleted.ShouldBeFalse();
        _connection.IsOpen.ShouldBeTrue();
        _slowClientRaised.ShouldBe(0);
        _socket.OpenGate();
        var writer = _connection.RunWriterAsync();
        await waiting.WaitAsync(Patience);
        var events = await Drain(writer);
        events.Count.ShouldBe(WebSocketConnection.MaxQueuedMessages + 2);
        events[^2].ShouldBe("text:last");
    }

    [Fact]
    public async Task ReplyAsync_WaitingForRoom_EndsQuietly_WhenTheConnectionIsAborted()
    {
        for (var i = 0; i < WebSocketConnection.MaxQueuedMessages; i++) await _connection.ReplyAsync(Frame("r"));
        var waiting = _connection.ReplyAsync(Frame("last")).AsTask();

        _connection.Abort();

        await waiting.WaitAsync(Patience);
        waiting.IsCompletedSuccessfully.ShouldBeTrue();
    }

    [Fact]
    public async Task Abort_WhileASendIsStuck_EndsTheWriter()
    {
        _connection.Deliver(Frame("m1"), null, null);
        var writer = _connection.RunWriterAsync();
        await _socket.SendStarted();

        _connection.Abort();

        await writer.WaitAsync(Patience);
        _connection.IsOpen.ShouldBeFalse();
        _socket.WasAborted.ShouldBeTrue();
        _socket.Events.ShouldBeEmpty();
    }
}
