using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using Speaking.Application.Realtime;
using Speaking.Infrastructure.Realtime;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Infrastructure;

/// <summary>Delivery to a connection of this node straight into its queue, to one of another node through the bus.</summary>
public class RealtimeNotifierTests
{
    private static readonly ServerMessage Message = new ChatMessage(Guid.Empty, "héllo", "2026-02-05T14:03:27.000000Z");
    private static readonly string Wire = Encoding.UTF8.GetString(WireJson.Serialize(Message));
    private readonly ConnectionRegistry _local = new(new NodeIdentity());
    private readonly RealtimeWorld _world = new();
    private readonly IClusterBus _bus = Substitute.For<IClusterBus>();
    private readonly RealtimeNotifier _notifier;
    private readonly Guid _ann = Guid.NewGuid();
    private readonly List<Envelope> _carried = [];
    private bool _busAnswers = true;

    public RealtimeNotifierTests()
    {
        _notifier = new RealtimeNotifier(_local, _world.Presence, _bus);
        _bus.SendAsync(default!).ReturnsForAnyArgs(call =>
        {
            _carried.Add(call.Arg<Envelope>());
            return ValueTask.FromResult(_busAnswers);
        });
    }

    private (WebSocketConnection Connection, GatedWebSocket Socket) OpenLocal()
    {
        var socket = new GatedWebSocket();
        var connection = new WebSocketConnection(_local.NextReference(), _ann, socket, NullLogger.Instance);
        _local.Add(connection);
        return (connection, socket);
    }

    private static async Task<IReadOnlyList<string>> SentOn(WebSocketConnection connection, GatedWebSocket socket)
    {
        socket.OpenGate();
        var writer = connection.RunWriterAsync();
        connection.RequestClose(WebSocketCloseStatus.NormalClosure, "");
        await writer.WaitAsync(GatedWebSocket.Patience);
        return socket.Events.Where(e => e.StartsWith("text:", StringComparison.Ordinal)).Select(e => e["text:".Length..]).ToArray();
    }

    [Fact]
    public async Task ToALocalConnection_QueuesTheSerialisedMessage_AfterApplyingTheBindingChange()
    {
        var (connection, socket) = OpenLocal();
        var binding = new SessionBinding(Guid.NewGuid(), _ann, Guid.NewGuid(), null);

        (await _notifier.SendToConnectionAsync(connection.Ref, Message, new BindingChange.Bind(binding), binding.SessionId)).ShouldBeTrue();

        connection.Binding.ShouldBe(binding);
        (await SentOn(connection, socket)).ShouldBe([Wire]);
        _carried.ShouldBeEmpty();
    }

    [Fact]
    public async Task ToALocalConnection_OnlyInASessionItDoesNotHold_IsDropped()
    {
        var (connection, socket) = OpenLocal();

        (await _notifier.SendToConnectionAsync(connection.Ref, Message, onlyInSession: Guid.NewGuid())).ShouldBeFalse();

        (await SentOn(connection, socket)).ShouldBeEmpty();
    }

    [Fact]
    public async Task ToALocalConnectionThatIsGone_IsFalse_AndNeverTriesTheBus()
    {
        var (closing, _) = OpenLocal();
        closing.RequestClose(WebSocketCloseStatus.NormalClosure, "");

        (await _notifier.SendToConnectionAsync(closing.Ref, Message)).ShouldBeFalse();
        (await _notifier.SendToConnectionAsync(_local.NextReference(), Message)).ShouldBeFalse();

        _carried.ShouldBeEmpty();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ToAnotherNodesConnection_GoesThroughTheBus_WithEverythingItsNodeApplies(bool busAnswers)
    {
        _busAnswers = busAnswers;
        var target = new ConnectionRef("other-node", 4);
        var sessionId = Guid.NewGuid();
        var change = new BindingChange.Unbind(sessionId);

        (await _notifier.SendToConnectionAsync(target, Message, change, sessionId)).ShouldBe(busAnswers);

        var envelope = _carried.ShouldHaveSingleItem();
        (envelope.Target, envelope.Change, envelope.OnlyInSession).ShouldBe((target, (BindingChange?)change, (Guid?)sessionId));
        Encoding.UTF8.GetString(envelope.Frame).ShouldBe(Wire);
    }

    [Fact]
    public async Task ToAUser_GoesToTheirNewestConnection()
    {
        var (older, olderSocket) = OpenLocal();
        var (newer, newerSocket) = OpenLocal();
        _world.Connect(_ann, older.Ref);
        _world.Connect(_ann, newer.Ref);

        (await _notifier.SendToUserAsync(_ann, Message)).ShouldBeTrue();

        (await SentOn(newer, newerSocket)).ShouldBe([Wire]);
        (await SentOn(older, olderSocket)).ShouldBeEmpty();
    }

    [Fact]
    public async Task ToAUserWhoseNewestConnectionIsOnAnotherNode_GoesThroughTheBus()
    {
        _world.Connect(_ann, new ConnectionRef("other-node", 9));

        (await _notifier.SendToUserAsync(_ann, Message)).ShouldBeTrue();

        _carried.ShouldHaveSingleItem().Target.ShouldBe(new ConnectionRef("other-node", 9));
    }

    [Fact]
    public async Task ToAUserWithNoConnection_IsFalse()
    {
        (await _notifier.SendToUserAsync(_ann, Message)).ShouldBeFalse();
        _carried.ShouldBeEmpty();
    }

    [Fact]
    public async Task Receive_DeliversAnotherNodesEnvelopeToTheLocalConnection_ApplyingItsChange()
    {
        var (connection, socket) = OpenLocal();
        var binding = new SessionBinding(Guid.NewGuid(), _ann, Guid.NewGuid(), new ConnectionRef("other-node", 1));

        _notifier.Receive(new Envelope(connection.Ref, WireJson.Serialize(Message), new BindingChange.Bind(binding), null)).ShouldBeTrue();
        _notifier.Receive(new Envelope(connection.Ref, WireJson.Serialize(Message), null, Guid.NewGuid())).ShouldBeFalse();
        _notifier.Receive(new Envelope(_local.NextReference(), WireJson.Serialize(Message), null, null)).ShouldBeFalse();

        connection.Binding.ShouldBe(binding);
        (await SentOn(connection, socket)).ShouldBe([Wire]);
    }

    [Fact]
    public async Task SingleNodeBus_KnowsNoOtherNode() =>
        (await new SingleNodeBus().SendAsync(new Envelope(new ConnectionRef("old-run", 1), [], null, null))).ShouldBeFalse();
}
