using System.Text.Json;
using NSubstitute;
using Speaking.Application.Practice;
using Speaking.Application.Queue;
using Speaking.Application.Realtime;
using Speaking.Application.Users;
using Speaking.Domain.Common;
using Speaking.Domain.Sessions;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Application;

public abstract class RealtimeHandlerTestBase
{
    protected readonly ISessionRepository Sessions = Substitute.For<ISessionRepository>();
    protected readonly IRealtimeNotifier Notifier = Substitute.For<IRealtimeNotifier>();
    protected readonly Guid Me = Guid.NewGuid();
    protected readonly Guid Partner = Guid.NewGuid();

    protected RealtimeHandlerTestBase()
    {
        Notifier.SendAsync(Arg.Any<Guid>(), Arg.Any<ServerMessage>()).Returns(true);
    }

    protected Session ActiveSession() =>
        Session.Start(Guid.NewGuid(), Me, Partner, QueueMode.Roulette, "room_0123456789ab", Fakes.Now.AddMinutes(-5));

    protected void InSessionTogether() => Sessions.AreInActiveSessionAsync(Me, Partner, Arg.Any<CancellationToken>()).Returns(true);

    protected static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();
}

public class RelaySignalCommandHandlerTests : RealtimeHandlerTestBase
{
    private Task<SocketReply> Relay(Guid target) =>
        new RelaySignalCommandHandler(Sessions, Notifier).Handle(
            new RelaySignalCommand(Me, "offer", target, Json("""{"type":"offer","sdp":"v=0"}""")), default);

    [Fact]
    public async Task Handle_RelaysToTheSessionPartnerWithoutReplying()
    {
        InSessionTogether();

        var reply = await Relay(Partner);

        reply.Messages.ShouldBeEmpty();
        await Notifier.Received(1).SendAsync(Partner, Arg.Is<SignalMessage>(m => m.Type == "offer" && m.FromUserId == Me
            && m.Data.GetProperty("sdp").GetString() == "v=0"));
    }

    [Fact]
    public async Task Handle_RefusesAUserOutsideTheSession()
    {
        var reply = await Relay(Partner);

        reply.Messages.ShouldBe([ErrorMessage.NotInSession]);
        ((ErrorMessage)reply.Messages[0]).Message.ShouldBe("Not in an active session with this user");
        await Notifier.DidNotReceiveWithAnyArgs().SendAsync(default, default!);
    }

    [Fact]
    public async Task Handle_RefusesRelayingToOneself()
    {
        Sessions.AreInActiveSessionAsync(Arg.Any<Guid>(), Arg.Any<Guid>(), Arg.Any<CancellationToken>()).Returns(true);

        (await Relay(Me)).Messages.ShouldBe([ErrorMessage.NotInSession]);
        await Notifier.DidNotReceiveWithAnyArgs().SendAsync(default, default!);
    }
}

public class SendChatCommandHandlerTests : RealtimeHandlerTestBase
{
    private readonly IChatArchive Archive = Substitute.For<IChatArchive>();

    private Task<SocketReply> Chat(Guid target, string text) =>
        new SendChatCommandHandler(Sessions, Notifier, Archive, Fakes.ClockAt(Fakes.Now)).Handle(new SendChatCommand(Me, target, text), default);

    [Fact]
    public async Task Handle_RelaysChatWithTheTimeToTheSessionPartner()
    {
        InSessionTogether();

        (await Chat(Partner, "hello")).Messages.ShouldBeEmpty();

        await Notifier.Received(1).SendAsync(Partner, new ChatMessage(Me, "hello", "2026-02-05T14:03:27.000000Z"));
    }

    [Fact]
    public async Task Handle_AcceptsExactly2000Characters()
    {
        InSessionTogether();

        (await Chat(Partner, new string('x', 2000))).Messages.ShouldBeEmpty();
        await Notifier.Received(1).SendAsync(Partner, Arg.Any<ChatMessage>());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2001)]
    public async Task Handle_RefusesAnEmptyOrTooLongMessage(int length)
    {
        InSessionTogether();

        (await Chat(Partner, new string('x', length))).Messages.ShouldBe([new ErrorMessage("Invalid chat message")]);
        await Notifier.DidNotReceiveWithAnyArgs().SendAsync(default, default!);
    }

    [Fact]
    public async Task Handle_RefusesChatOutsideASession()
    {
        (await Chat(Partner, "hello")).Messages.ShouldBe([ErrorMessage.NotInSession]);
        await Notifier.DidNotReceiveWithAnyArgs().SendAsync(default, default!);
        await Archive.DidNotReceiveWithAnyArgs().StoreAsync(default!, default);
    }

    [Fact]
    public async Task Handle_ArchivesTheRelayedLineWithTheTimeThePartnerSaw()
    {
        InSessionTogether();

        await Chat(Partner, "hello");

        Received.InOrder(() =>
        {
            _ = Notifier.SendAsync(Partner, Arg.Any<ChatMessage>());
            _ = Archive.StoreAsync(new ChatLine(Me, Partner, "hello", Fakes.Now), Arg.Any<CancellationToken>());
        });
    }

    [Fact]
    public async Task Handle_ArchivesNothingThatWasRefused()
    {
        InSessionTogether();

        await Chat(Partner, new string('x', 2001));

        await Archive.DidNotReceiveWithAnyArgs().StoreAsync(default!, default);
    }
}

public class EndSessionCommandHandlerTests : RealtimeHandlerTestBase
{
    private Task<SocketReply> End(Guid user, JsonElement? sessionId) =>
        new EndSessionCommandHandler(Sessions, Notifier, Fakes.ClockAt(Fakes.Now)).Handle(new EndSessionCommand(user, sessionId), default);

    private static string? EchoedId(SocketReply reply) =>
        reply.Messages.ShouldHaveSingleItem().ShouldBeOfType<SessionEndedMessage>().Data.SessionId?.GetRawText();

    [Fact]
    public async Task Handle_AParticipantCompletesTheSessionAndThePartnerIsTold()
    {
        var session = ActiveSession();
        Sessions.GetAsync(session.Id, Arg.Any<CancellationToken>()).Returns(session);
        Sessions.SaveEndAsync(session, Arg.Any<CancellationToken>()).Returns(true);

        var reply = await End(Partner, Json($"\"{session.Id}\""));

        session.Status.ShouldBe(SessionStatus.Completed);
        session.EndedAt.ShouldBe(Fakes.Now);
        EchoedId(reply).ShouldBe($"\"{session.Id}\"");
        await Notifier.Received(1).SendAsync(Me, Arg.Is<SessionEndedMessage>(m => m.Data.SessionId!.Value.GetString() == session.Id.ToString()));
        await Notifier.DidNotReceive().SendAsync(Partner, Arg.Any<ServerMessage>());
    }

    [Fact]
    public async Task Handle_ANonParticipantChangesNothingAndTellsNoOne()
    {
        var session = ActiveSession();
        Sessions.GetAsync(session.Id, Arg.Any<CancellationToken>()).Returns(session);

        var reply = await End(Guid.NewGuid(), Json($"\"{session.Id}\""));

        session.IsActive.ShouldBeTrue();
        EchoedId(reply).ShouldBe($"\"{session.Id}\"");
        await Sessions.DidNotReceiveWithAnyArgs().SaveEndAsync(default!, default);
        await Notifier.DidNotReceiveWithAnyArgs().SendAsync(default, default!);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("\"not-a-uuid\"", "\"not-a-uuid\"")]
    [InlineData("42", "42")]
    [InlineData("\"3f2a9c0d-1b4e-4a5b-8c7d-0123456789ab\"", "\"3f2a9c0d-1b4e-4a5b-8c7d-0123456789ab\"")]
    public async Task Handle_AlwaysEchoesTheIdAsSent(string? sent, string? echoed)
    {
        var reply = await End(Me, sent is null ? null : Json(sent));

        EchoedId(reply).ShouldBe(echoed);
        await Notifier.DidNotReceiveWithAnyArgs().SendAsync(default, default!);
    }

    [Fact]
    public async Task Handle_AnAlreadyEndedSessionIsNotEndedAgain()
    {
        var session = ActiveSession();
        session.Cancel(Fakes.Now.AddMinutes(-1));
        Sessions.GetAsync(session.Id, Arg.Any<CancellationToken>()).Returns(session);

        var reply = await End(Me, Json($"\"{session.Id}\""));

        session.Status.ShouldBe(SessionStatus.Cancelled);
        EchoedId(reply).ShouldBe($"\"{session.Id}\"");
        await Sessions.DidNotReceiveWithAnyArgs().SaveEndAsync(default!, default);
        await Notifier.DidNotReceiveWithAnyArgs().SendAsync(default, default!);
    }
}

public class UserDisconnectedCommandHandlerTests : RealtimeHandlerTestBase
{
    private readonly IUserRepository _users = Substitute.For<IUserRepository>();
    private readonly IQueueRepository _queue = Substitute.For<IQueueRepository>();
    private readonly IReconnectGrace _grace = Substitute.For<IReconnectGrace>();

    private Task Disconnect() =>
        new UserDisconnectedCommandHandler(_users, _queue, Sessions, _grace, Fakes.ClockAt(Fakes.Now))
            .Handle(new UserDisconnectedCommand(Me), default);

    [Fact]
    public async Task Handle_MarksOfflineLeavesTheQueueAndStartsGraceForAnActiveSession()
    {
        var session = ActiveSession();
        Sessions.FindActiveForUserAsync(Me, Arg.Any<CancellationToken>()).Returns(session);

        await Disconnect();

        await _users.Received(1).SetPresenceAsync(Me, false, Fakes.Now, Arg.Any<CancellationToken>());
        await _queue.Received(1).LeaveAsync(Me, Arg.Any<CancellationToken>());
        _grace.Received(1).Start(Me, session.Id);
    }

    [Fact]
    public async Task Handle_StartsNoGraceWithoutAnActiveSession()
    {
        await Disconnect();

        await _users.Received(1).SetPresenceAsync(Me, false, Fakes.Now, Arg.Any<CancellationToken>());
        await _queue.Received(1).LeaveAsync(Me, Arg.Any<CancellationToken>());
        _grace.DidNotReceiveWithAnyArgs().Start(default, default);
    }
}

public class ExpireReconnectGraceCommandHandlerTests : RealtimeHandlerTestBase
{
    private readonly IPresence _presence = Substitute.For<IPresence>();

    private Task<bool> Expire(Guid sessionId) =>
        new ExpireReconnectGraceCommandHandler(Sessions, _presence, Notifier, Fakes.ClockAt(Fakes.Now))
            .Handle(new ExpireReconnectGraceCommand(Me, sessionId), default);

    [Fact]
    public async Task Handle_DoesNothingWhenTheUserCameBack()
    {
        var session = ActiveSession();
        Sessions.GetAsync(session.Id, Arg.Any<CancellationToken>()).Returns(session);
        _presence.IsConnected(Me).Returns(true);

        (await Expire(session.Id)).ShouldBeFalse();

        session.IsActive.ShouldBeTrue();
        await Sessions.DidNotReceiveWithAnyArgs().SaveEndAsync(default!, default);
        await Notifier.DidNotReceiveWithAnyArgs().SendAsync(default, default!);
    }

    [Fact]
    public async Task Handle_CancelsTheSessionAndTellsThePartner()
    {
        var session = ActiveSession();
        Sessions.GetAsync(session.Id, Arg.Any<CancellationToken>()).Returns(session);
        Sessions.SaveEndAsync(session, Arg.Any<CancellationToken>()).Returns(true);

        (await Expire(session.Id)).ShouldBeTrue();

        session.Status.ShouldBe(SessionStatus.Cancelled);
        session.EndedAt.ShouldBe(Fakes.Now);
        await Notifier.Received(1).SendAsync(Partner, Arg.Is<SessionEndedMessage>(m => m.Data.SessionId!.Value.GetString() == session.Id.ToString()));
        await Notifier.DidNotReceive().SendAsync(Me, Arg.Any<ServerMessage>());
    }

    [Fact]
    public async Task Handle_TellsNoOneWhenTheSessionHadAlreadyEnded()
    {
        var session = ActiveSession();
        session.Complete(Fakes.Now.AddSeconds(-3));
        Sessions.GetAsync(session.Id, Arg.Any<CancellationToken>()).Returns(session);

        (await Expire(session.Id)).ShouldBeFalse();

        session.Status.ShouldBe(SessionStatus.Completed);
        await Notifier.DidNotReceiveWithAnyArgs().SendAsync(default, default!);
    }
}
