using System.Text.Json;
using NSubstitute;
using Speaking.Application.Practice;
using Speaking.Application.Realtime;
using Speaking.Application.Sessions;
using Speaking.Domain.Sessions;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Application.Realtime;

/// <summary>Two users in an active session; the sender's connection holds it unless a test says otherwise.</summary>
public abstract class BoundConnectionTestBase
{
    protected readonly ISessionBindings Bindings = Substitute.For<ISessionBindings>();
    protected readonly Deliveries Deliveries = new();
    protected readonly Guid Me = Guid.NewGuid();
    protected readonly Guid Partner = Guid.NewGuid();
    protected readonly Guid SessionId = Guid.NewGuid();
    protected readonly ConnectionRef MyConnection = Fakes.Connection(1);
    protected readonly ConnectionRef PartnerConnection = Fakes.Connection(2, node: "b");

    protected IRealtimeNotifier Notifier => Deliveries.Notifier;

    /// <summary>The sender's connection holds the session, and the partner's side is held by <paramref name="partnerConnection"/>.</summary>
    protected void Bound(ConnectionRef? partnerConnection) =>
        Bindings.Of(MyConnection).Returns(new SessionBinding(SessionId, Me, Partner, partnerConnection));
}

public class RelaySignalCommandHandlerTests : BoundConnectionTestBase
{
    private static readonly JsonElement Offer = Fakes.Json("""{"type":"offer","sdp":"v=0"}""");

    private Task<SocketReply> Relay(Guid target, ConnectionRef? from = null) =>
        new RelaySignalCommandHandler(Bindings, Notifier).Handle(new RelaySignalCommand(Me, from ?? MyConnection, "offer", target, Offer), default);

    [Fact]
    public async Task Handle_RelaysToThePartnersConnection_OnlyWhileItHoldsTheSession_WithoutReplying()
    {
        Bound(PartnerConnection);

        (await Relay(Partner)).ShouldBe(SocketReply.None);

        var sent = Deliveries.Sent.ShouldHaveSingleItem();
        (sent.Connection, sent.Change, sent.OnlyInSession).ShouldBe(((ConnectionRef?)PartnerConnection, (BindingChange?)null, (Guid?)SessionId));
        var signal = sent.Message.ShouldBeOfType<SignalMessage>();
        (signal.Type, signal.FromUserId).ShouldBe(("offer", Me));
        signal.Data.GetRawText().ShouldBe(Offer.GetRawText());
    }

    [Fact]
    public async Task Handle_RefusesAConnectionThatHoldsNoSession()
    {
        var reply = await Relay(Partner);

        reply.Messages.ShouldBe([ErrorMessage.NotInSession]);
        ((ErrorMessage)reply.Messages[0]).Message.ShouldBe("Not in an active session with this user");
        Deliveries.Sent.ShouldBeEmpty();
    }

    [Fact]
    public async Task Handle_RefusesATargetWhoIsNotTheSessionsPartner()
    {
        Bound(PartnerConnection);

        (await Relay(Guid.NewGuid())).Messages.ShouldBe([ErrorMessage.NotInSession]);
        Deliveries.Sent.ShouldBeEmpty();
    }

    [Fact]
    public async Task Handle_RefusesASessionHeldByAnotherConnectionOfTheSameUser()
    {
        var otherTab = Fakes.Connection(9);
        Bindings.Of(otherTab).Returns(new SessionBinding(SessionId, Me, Partner, PartnerConnection));

        (await Relay(Partner, from: MyConnection)).Messages.ShouldBe([ErrorMessage.NotInSession]);
        Deliveries.Sent.ShouldBeEmpty();
    }

    [Fact]
    public async Task Handle_RefusesRelayingToOneself_EvenIfABindingSaidSo()
    {
        Bindings.Of(MyConnection).Returns(new SessionBinding(SessionId, Me, Me, MyConnection));

        (await Relay(Me)).Messages.ShouldBe([ErrorMessage.NotInSession]);
        Deliveries.Sent.ShouldBeEmpty();
    }

    [Fact]
    public async Task Handle_DropsTheSignalSilently_WhileThePartnersSideIsHeldByNoConnection()
    {
        Bound(partnerConnection: null);

        (await Relay(Partner)).ShouldBe(SocketReply.None);
        Deliveries.Sent.ShouldBeEmpty();
    }

    [Fact]
    public async Task Handle_SaysNothing_WhenThePartnersConnectionIsGone()
    {
        Bound(PartnerConnection);
        Deliveries.Gone.Add(PartnerConnection);

        (await Relay(Partner)).ShouldBe(SocketReply.None);
    }
}

public class SendChatCommandHandlerTests : BoundConnectionTestBase
{
    private readonly IChatArchive _archive = Substitute.For<IChatArchive>();

    private Task<SocketReply> Chat(Guid target, string text) =>
        new SendChatCommandHandler(Bindings, Notifier, _archive, Fakes.ClockAt(Fakes.Now))
            .Handle(new SendChatCommand(Me, MyConnection, target, text), default);

    [Fact]
    public async Task Handle_RelaysTheChatWithTheTime_ToThePartnersConnection_AndStoresItUnderTheSession()
    {
        Bound(PartnerConnection);

        (await Chat(Partner, "hello")).ShouldBe(SocketReply.None);

        Deliveries.Sent.ShouldBe([new Delivery(PartnerConnection, null, new ChatMessage(Me, "hello", "2026-02-05T14:03:27.000000Z"), null, SessionId)]);
        await _archive.Received(1).StoreAsync(new ChatLine(SessionId, Me, Partner, "hello", Fakes.Now), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Handle_AcceptsExactly2000Characters()
    {
        Bound(PartnerConnection);

        (await Chat(Partner, new string('x', 2000))).ShouldBe(SocketReply.None);
        Deliveries.Sent.ShouldHaveSingleItem().Message.ShouldBeOfType<ChatMessage>().Message.Length.ShouldBe(2000);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a\0b")]
    [InlineData(null)]
    public async Task Handle_RefusesAnEmptyTooLongOrNulText_AndStoresNothing(string? text)
    {
        Bound(PartnerConnection);

        (await Chat(Partner, text ?? new string('x', 2001))).Messages.ShouldBe([new ErrorMessage("Invalid chat message")]);
        Deliveries.Sent.ShouldBeEmpty();
        await _archive.DidNotReceiveWithAnyArgs().StoreAsync(default!, default);
    }

    [Fact]
    public async Task Handle_RefusesChatOutsideASession_AndStoresNothing()
    {
        (await Chat(Partner, "hello")).Messages.ShouldBe([ErrorMessage.NotInSession]);
        Deliveries.Sent.ShouldBeEmpty();
        await _archive.DidNotReceiveWithAnyArgs().StoreAsync(default!, default);
    }

    [Fact]
    public async Task Handle_RefusesChatToSomeoneOtherThanThePartner()
    {
        Bound(PartnerConnection);

        (await Chat(Guid.NewGuid(), "hello")).Messages.ShouldBe([ErrorMessage.NotInSession]);
        await _archive.DidNotReceiveWithAnyArgs().StoreAsync(default!, default);
    }

    [Fact]
    public async Task Handle_RefusesChatToOneself()
    {
        Bindings.Of(MyConnection).Returns(new SessionBinding(SessionId, Me, Me, MyConnection));

        (await Chat(Me, "hello")).Messages.ShouldBe([ErrorMessage.NotInSession]);
        Deliveries.Sent.ShouldBeEmpty();
    }

    [Fact]
    public async Task Handle_DropsTheChatSilently_WhileThePartnersSideIsHeldByNoConnection()
    {
        Bound(partnerConnection: null);

        (await Chat(Partner, "hello")).ShouldBe(SocketReply.None);
        Deliveries.Sent.ShouldBeEmpty();
    }
}

public class EndSessionCommandHandlerTests : BoundConnectionTestBase
{
    private readonly ISessionRepository _sessions = Substitute.For<ISessionRepository>();
    private readonly Session _session;

    public EndSessionCommandHandlerTests()
    {
        _session = Fakes.ActiveSession(Me, Partner);
        _sessions.GetAsync(_session.Id, Arg.Any<CancellationToken>()).Returns(_session);
    }

    private void EndsHeldBy(ConnectionRef? mine, ConnectionRef? partners) =>
        _sessions.SaveEndAsync(_session, Arg.Any<CancellationToken>()).Returns(new EndedSession(_session, mine, partners));

    private Task<SocketReply> End(Guid user, JsonElement? sessionId) =>
        new EndSessionCommandHandler(_sessions, Bindings, Notifier, Fakes.ClockAt(Fakes.Now))
            .Handle(new EndSessionCommand(user, MyConnection, sessionId), default);

    private static string? EchoedId(SocketReply reply) =>
        reply.Messages.ShouldHaveSingleItem().ShouldBeOfType<SessionEndedMessage>().Data.SessionId?.GetRawText();

    private void ShouldBeToldItEnded(Delivery delivery, ConnectionRef connection)
    {
        (delivery.Connection, delivery.Change, delivery.OnlyInSession)
            .ShouldBe(((ConnectionRef?)connection, (BindingChange?)new BindingChange.Unbind(_session.Id), (Guid?)null));
        delivery.Message.ShouldBeOfType<SessionEndedMessage>().Data.SessionId!.Value.GetString().ShouldBe(_session.Id.ToString());
    }

    [Fact]
    public async Task Handle_AParticipantCompletesTheSession_AndThePartnersConnectionIsToldAndUnbound()
    {
        EndsHeldBy(MyConnection, PartnerConnection);
        var sent = Fakes.Json($"\"{_session.Id.ToString().ToUpperInvariant()}\"");

        var reply = await End(Me, sent);

        (_session.Status, _session.EndedAt, _session.EndedBy, _session.EndReason)
            .ShouldBe((SessionStatus.Completed, Fakes.Now, Me, SessionEndReason.Ended));
        EchoedId(reply).ShouldBe(sent.GetRawText());
        ShouldBeToldItEnded(Deliveries.Sent.ShouldHaveSingleItem(), PartnerConnection);
        Bindings.Received(1).Release(MyConnection, _session.Id);
    }

    [Fact]
    public async Task Handle_TheCalleeMayEndIt_AndThenTheInitiatorIsTold()
    {
        _sessions.SaveEndAsync(_session, Arg.Any<CancellationToken>()).Returns(new EndedSession(_session, PartnerConnection, MyConnection));

        await new EndSessionCommandHandler(_sessions, Bindings, Notifier, Fakes.ClockAt(Fakes.Now))
            .Handle(new EndSessionCommand(Partner, MyConnection, Fakes.Json($"\"{_session.Id}\"")), default);

        _session.EndedBy.ShouldBe(Partner);
        ShouldBeToldItEnded(Deliveries.Sent.ShouldHaveSingleItem(), PartnerConnection);
    }

    [Fact]
    public async Task Handle_TheSendersOtherConnectionThatHeldTheSession_IsToldToo()
    {
        var otherTab = Fakes.Connection(5);
        EndsHeldBy(otherTab, PartnerConnection);

        await End(Me, Fakes.Json($"\"{_session.Id}\""));

        Deliveries.Sent.Count.ShouldBe(2);
        ShouldBeToldItEnded(Deliveries.To(PartnerConnection).ShouldHaveSingleItem(), PartnerConnection);
        ShouldBeToldItEnded(Deliveries.To(otherTab).ShouldHaveSingleItem(), otherTab);
    }

    [Fact]
    public async Task Handle_APartnerAwayIsNotTold_AndTheSessionStillEnds()
    {
        EndsHeldBy(MyConnection, null);

        EchoedId(await End(Me, Fakes.Json($"\"{_session.Id}\""))).ShouldBe($"\"{_session.Id}\"");

        _session.Status.ShouldBe(SessionStatus.Completed);
        Deliveries.Sent.ShouldBeEmpty();
    }

    [Fact]
    public async Task Handle_ANonParticipantChangesNothingAndTellsNoOne()
    {
        var reply = await End(Guid.NewGuid(), Fakes.Json($"\"{_session.Id}\""));

        _session.IsActive.ShouldBeTrue();
        EchoedId(reply).ShouldBe($"\"{_session.Id}\"");
        await _sessions.DidNotReceiveWithAnyArgs().SaveEndAsync(default!, default);
        Bindings.DidNotReceiveWithAnyArgs().Release(default, default);
        Deliveries.Sent.ShouldBeEmpty();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("\"not-a-uuid\"")]
    [InlineData("42")]
    [InlineData("{\"id\":1}")]
    [InlineData("\"3f2a9c0d-1b4e-4a5b-8c7d-0123456789ab\"")]
    public async Task Handle_AlwaysEchoesTheIdAsSent(string? sent)
    {
        var reply = await End(Me, sent is null ? null : Fakes.Json(sent));

        EchoedId(reply).ShouldBe(sent);
        await _sessions.DidNotReceiveWithAnyArgs().SaveEndAsync(default!, default);
        Deliveries.Sent.ShouldBeEmpty();
    }

    [Fact]
    public async Task Handle_AnAlreadyEndedSessionIsNotEndedAgain()
    {
        _session.Cancel(Fakes.Now.AddMinutes(-1));

        EchoedId(await End(Me, Fakes.Json($"\"{_session.Id}\""))).ShouldBe($"\"{_session.Id}\"");

        (_session.Status, _session.EndReason).ShouldBe((SessionStatus.Cancelled, SessionEndReason.NoReconnect));
        await _sessions.DidNotReceiveWithAnyArgs().SaveEndAsync(default!, default);
        Deliveries.Sent.ShouldBeEmpty();
    }

    [Fact]
    public async Task Handle_ASessionSomebodyElseEndedFirst_TellsNoOne()
    {
        // SaveEndAsync answers null: the row was no longer active.
        EchoedId(await End(Me, Fakes.Json($"\"{_session.Id}\""))).ShouldBe($"\"{_session.Id}\"");

        Deliveries.Sent.ShouldBeEmpty();
    }
}
