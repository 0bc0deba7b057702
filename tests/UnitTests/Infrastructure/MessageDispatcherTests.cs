using System.Text;
using Microsoft.Extensions.Logging;
using Speaking.Application.Partners;
using Speaking.Application.Practice;
using Speaking.Application.Queue;
using Speaking.Application.Realtime;
using Speaking.Infrastructure.Observability;
using Speaking.Infrastructure.Realtime;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Infrastructure;

/// <summary>From a client frame to its use case: the command, the connection it came from, the reply, the log and the counters.</summary>
public class MessageDispatcherTests
{
    private const string Target = "3f2a9c0d-1b4e-4a5b-8c7d-0123456789ab";
    private readonly DispatcherRig _rig = new();

    private Guid Me => _rig.User;

    private ConnectionRef Connection => _rig.Connection;

    private Task<SocketReply> Dispatch(string json, CancellationToken ct = default) => _rig.Dispatch(json, ct);

    [Theory]
    [InlineData("""{"type":"ping"}""")]
    [InlineData("""{"type":"ping","data":{}}""")]
    public async Task Ping_IsAnsweredWithPong_WithoutAScopeOrAUseCase(string json)
    {
        (await Dispatch(json)).Messages.ShouldBe([new PongMessage()]);

        _rig.ScopesOpened.ShouldBe(0);
        _rig.Commands.ShouldBeEmpty();
    }

    [Fact]
    public async Task AFrameTheReaderRefuses_IsAnsweredAtOnce_WithoutAScope()
    {
        (await Dispatch("""{"type":"offer","data":{}}""")).Messages.ShouldBe([ErrorMessage.TargetRequired]);

        _rig.ScopesOpened.ShouldBe(0);
        _rig.Commands.ShouldBeEmpty();
    }

    [Fact]
    public async Task AnIgnoredFrame_GetsNoReply_AndNoScope()
    {
        (await Dispatch("""{"type":"hello"}""")).ShouldBe(SocketReply.None);

        _rig.ScopesOpened.ShouldBe(0);
    }

    [Fact]
    public async Task EachMessage_RunsInAScopeOfItsOwn_AndItsReplyIsReturnedAsIs()
    {
        (await Dispatch("""{"type":"leave_queue"}""")).ShouldBeSameAs(DispatcherRig.FromHandler);
        await Dispatch("""{"type":"leave_queue"}""");

        _rig.ScopesOpened.ShouldBe(2);
    }

    [Fact]
    public async Task JoinQueue_CarriesTheFieldsAsSent_AndTheConnection()
    {
        await Dispatch("""{"type":"join_queue","data":{"mode":"level_filter","level_filter":6.5,"widen":true}}""");

        var join = _rig.SentCommand<JoinQueueFromSocketCommand>();
        (join.UserId, join.Connection, join.Widen).ShouldBe((Me, Connection, true));
        join.Mode!.Value.GetRawText().ShouldBe("\"level_filter\"");
        join.LevelFilter!.Value.GetRawText().ShouldBe("6.5");
    }

    [Fact]
    public async Task LeaveQueue_IsTheUsers()
    {
        await Dispatch("""{"type":"leave_queue"}""");

        _rig.SentCommand<LeaveQueueFromSocketCommand>().ShouldBe(new LeaveQueueFromSocketCommand(Me));
    }

    [Theory]
    [InlineData("offer")]
    [InlineData("answer")]
    [InlineData("ice_candidate")]
    public async Task ASignal_IsRelayedFromThisConnection(string type)
    {
        await Dispatch($$$$"""{"type":"{{{{type}}}}","data":{"target_user_id":"{{{{Target}}}}","data":{"sdp":"v=0"}}}""");

        var relay = _rig.SentCommand<RelaySignalCommand>();
        (relay.FromUserId, relay.Connection, relay.SignalType, relay.TargetUserId).ShouldBe((Me, Connection, type, Guid.Parse(Target)));
        relay.Payload.GetRawText().ShouldBe("""{"sdp":"v=0"}""");
    }

    [Fact]
    public async Task AChat_IsSentFromThisConnection()
    {
        await Dispatch($$$"""{"type":"chat","data":{"target_user_id":"{{{Target}}}","message":"hello"}}""");

        _rig.SentCommand<SendChatCommand>().ShouldBe(new SendChatCommand(Me, Connection, Guid.Parse(Target), "hello"));
    }

    [Fact]
    public async Task EndSession_CarriesTheIdAsSent_AndTheConnection()
    {
        await Dispatch("""{"type":"end_session","data":{"session_id":42}}""");

        var end = _rig.SentCommand<EndSessionCommand>();
        (end.UserId, end.Connection).ShouldBe((Me, Connection));
        end.SessionIdAsSent!.Value.GetRawText().ShouldBe("42");
    }

    [Fact]
    public async Task AnInvite_CarriesThePartnerIdAsSent_AndTheConnection()
    {
        await Dispatch($$$"""{"type":"invite_partner","data":{"partner_user_id":" {{{Target}}} "}}""");

        _rig.SentCommand<InvitePartnerCommand>().ShouldBe(new InvitePartnerCommand(Me, Connection, $" {Target} "));
    }

    [Fact]
    public async Task AnInviteResponse_CarriesTheInviterAndTheAnswer_AndTheConnection()
    {
        await Dispatch($$$"""{"type":"invite_response","data":{"inviter_user_id":"{{{Target}}}","accepted":true}}""");

        _rig.SentCommand<RespondToInviteCommand>().ShouldBe(new RespondToInviteCommand(Me, Connection, Target, true));
    }

    [Fact]
    public async Task AQueueJoinedEcho_CanStillBeSerialized_AfterDispatchReturned()
    {
        // The real handler echoes the request's level_filter element; the reply is serialized after DispatchAsync returns.
        _rig.Handle = command =>
        {
            var join = (JoinQueueFromSocketCommand)command;
            return SocketReply.Of(new QueueJoinedMessage(new QueueJoinedData(join.Mode!.Value.GetString()!, join.LevelFilter)));
        };

        var reply = await Dispatch("""{"type":"join_queue","data":{"mode":"level_filter","level_filter":6.5}}""");

        Encoding.UTF8.GetString(WireJson.Serialize(reply.Messages.ShouldHaveSingleItem()))
            .ShouldBe("""{"type":"queue_joined","data":{"mode":"level_filter","level_filter":6.5}}""");
    }

    [Fact]
    public async Task AUseCaseThatFails_IsAnsweredInternalError_WithOneErrorLine_WithoutTheMessagesText()
    {
        var boom = new InvalidOperationException("boom");
        _rig.Handle = _ => throw boom;

        var reply = await Dispatch($$$"""{"type":"chat","data":{"target_user_id":"{{{Target}}}","message":"my secret plan"}}""");

        reply.Messages.ShouldBe([new ErrorMessage("Internal error")]);
        var line = _rig.Log.Entries.ShouldHaveSingleItem();
        (line.Level, line.Exception).ShouldBe((LogLevel.Error, boom));
        line.Message.ShouldContain("chat");
        line.Message.ShouldNotContain("secret");
        _rig.Relayed("chat").ShouldBe(0);
    }

    [Fact]
    public async Task ACancellationNotAskedFor_IsAnInternalError()
    {
        _rig.Handle = _ => throw new OperationCanceledException();

        (await Dispatch("""{"type":"leave_queue"}""")).Messages.ShouldBe([MessageDispatcher.InternalError]);
    }

    [Fact]
    public async Task ACancellationOfTheConnection_IsNotAnswered()
    {
        using var closing = new CancellationTokenSource();
        _rig.Handle = _ =>
        {
            closing.Cancel();
            throw new OperationCanceledException(closing.Token);
        };

        await Should.ThrowAsync<OperationCanceledException>(() => Dispatch("""{"type":"leave_queue"}""", closing.Token));
        _rig.Log.Entries.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("offer")]
    [InlineData("answer")]
    [InlineData("ice_candidate")]
    public async Task ARelayedSignal_IsCountedByType(string type)
    {
        _rig.Handle = _ => SocketReply.None;

        await Dispatch($$$$"""{"type":"{{{{type}}}}","data":{"target_user_id":"{{{{Target}}}}","data":{}}}""");
        await Dispatch($$$$"""{"type":"{{{{type}}}}","data":{"target_user_id":"{{{{Target}}}}","data":{}}}""");

        _rig.Relayed(type).ShouldBe(2);
        _rig.Relayed("chat").ShouldBe(0);
    }

    [Fact]
    public async Task ARelayedChat_IsCounted()
    {
        _rig.Handle = _ => SocketReply.None;

        await Dispatch($$$"""{"type":"chat","data":{"target_user_id":"{{{Target}}}","message":"hi"}}""");

        _rig.Relayed("chat").ShouldBe(1);
    }

    [Fact]
    public async Task ARelayRefusedByItsUseCase_IsCountedAsRefused_NotRelayed()
    {
        _rig.Handle = _ => ErrorMessage.NotInSession;

        await Dispatch($$$$"""{"type":"offer","data":{"target_user_id":"{{{{Target}}}}","data":{}}}""");

        _rig.Refused("not_in_session").ShouldBe(1);
        _rig.Relayed("offer").ShouldBe(0);
    }

    [Theory]
    [InlineData("not json", "invalid")]
    [InlineData("""{"type":"offer","data":{}}""", "invalid")]
    [InlineData("""{"type":"chat","data":{"target_user_id":"3f2a9c0d-1b4e-4a5b-8c7d-0123456789ab","message":42}}""", "invalid_chat")]
    [InlineData("""{"type":"practice_start","data":{}}""", "invalid")]
    public async Task AFrameTheReaderRefuses_IsCountedByReason(string json, string reason)
    {
        await Dispatch(json);

        _rig.Refused(reason).ShouldBe(1);
    }

    public static TheoryData<ServerMessage, string> UseCaseRefusals => new()
    {
        { ErrorMessage.AlreadyQueued, "not_allowed" },
        { ErrorMessage.InSession, "not_allowed" },
        { ErrorMessage.InvalidMode, "invalid" },
        { ErrorMessage.InvalidChat, "invalid_chat" },
        { PracticeSocketErrors.NoActiveSession, "invalid" },
    };

    [Theory]
    [MemberData(nameof(UseCaseRefusals))]
    public async Task ARefusalByAUseCase_IsCountedByReason(ServerMessage refusal, string reason)
    {
        _rig.Handle = _ => SocketReply.Of(refusal);

        await Dispatch("""{"type":"join_queue"}""");

        _rig.Refused(reason).ShouldBe(1);
    }

    [Fact]
    public async Task ARefusalReason_IsNeverTheClientsText()
    {
        _rig.Handle = _ => SocketReply.Of(new ErrorMessage("anything a use case may say"));

        await Dispatch("""{"type":"join_queue"}""");

        _rig.Refused("invalid").ShouldBe(1);
        // Every known reason is exported at 0 from the start; the client's text never becomes a label, and only "invalid" moved.
        var reasons = _rig.Metrics.RefusedMessages.GetAllLabelValues().SelectMany(l => l).ToArray();
        reasons.ShouldBe(SpeakingMetrics.MessageRefusals, ignoreOrder: true);
        reasons.Where(r => _rig.Refused(r) > 0).ShouldBe(["invalid"]);
    }

    [Fact]
    public async Task AnAnsweredMessage_IsNotARefusal()
    {
        await Dispatch("""{"type":"leave_queue"}""");
        await Dispatch("""{"type":"ping"}""");

        _rig.Metrics.RefusedMessages.GetAllLabelValues().SelectMany(l => l).Where(r => _rig.Refused(r) > 0).ShouldBeEmpty();
    }
}
