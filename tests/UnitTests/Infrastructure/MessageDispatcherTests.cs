using System.Text;
using System.Text.Json;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using Speaking.Application.Partners;
using Speaking.Application.Queue;
using Speaking.Application.Realtime;
using Speaking.Infrastructure.Realtime;

namespace Speaking.UnitTests.Infrastructure;

public class MessageDispatcherTests
{
    private const string Target = "3f2a9c0d-1b4e-4a5b-8c7d-0123456789ab";
    private static readonly SocketReply FromHandler = SocketReply.Of(new QueueLeftMessage());
    private readonly IMediator _mediator = Substitute.For<IMediator>();
    private readonly Guid _me = Guid.NewGuid();
    private readonly List<IRequest<SocketReply>> _sent = [];

    public MessageDispatcherTests() =>
        _mediator.Send(Arg.Do<IRequest<SocketReply>>(_sent.Add), Arg.Any<CancellationToken>()).Returns(FromHandler);

    private Task<SocketReply> Dispatch(string json) =>
        new MessageDispatcher(Scopes(), NullLogger<MessageDispatcher>.Instance).DispatchAsync(_me, Encoding.UTF8.GetBytes(json), default);

    private IServiceScopeFactory Scopes() =>
        new ServiceCollection().AddScoped(_ => _mediator).BuildServiceProvider().GetRequiredService<IServiceScopeFactory>();

    private T SentRequest<T>() => _sent.ShouldHaveSingleItem().ShouldBeOfType<T>();

    public static TheoryData<string> Malformed => new()
    {
        "not json",
        "{\"type\":\"ping\"",
        "[]",
        "[{\"type\":\"ping\"}]",
        "\"ping\"",
        "42",
        "null",
        "true",
        """{"type":"ping","data":null}""",
        """{"type":"join_queue","data":[]}""",
        """{"type":"join_queue","data":"roulette"}""",
        """{"type":"leave_queue","data":1}""",
        """{"type":"offer","data":{"target_user_id":42,"data":{}}}""",
        """{"type":"answer","data":{"target_user_id":"not-a-uuid","data":{}}}""",
        """{"type":"ice_candidate","data":{"target_user_id":{},"data":{}}}""",
        """{"type":"ice_candidate","data":{"target_user_id":true}}""",
        """{"type":"chat","data":{"target_user_id":"bob","message":"hi"}}""",
        """{"type":"chat","data":{"target_user_id":7,"message":"hi"}}""",
        """{"type":"end_session","data":"abc"}""",
        """{"type":"invite_partner","data":{"partner_user_id":42}}""",
        """{"type":"invite_partner","data":{"partner_user_id":["x"]}}""",
        """{"type":"invite_response","data":{"inviter_user_id":42,"accepted":true}}""",
        """{"type":"invite_response","data":null}""",
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task DispatchAsync_AnswersInvalidMessageForMalformedInput(string json)
    {
        var reply = await Dispatch(json);

        reply.Messages.ShouldBe([new ErrorMessage("Invalid message")]);
        _sent.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"data":{}}""")]
    [InlineData("""{"type":"hello"}""")]
    [InlineData("""{"type":"connection_status","data":null}""")]
    [InlineData("""{"type":42}""")]
    [InlineData("""{"type":null}""")]
    [InlineData("""{"type":"PING"}""")]
    public async Task DispatchAsync_IgnoresUnknownOrMissingTypes(string json)
    {
        (await Dispatch(json)).Messages.ShouldBeEmpty();
        await _mediator.DidNotReceiveWithAnyArgs().Send(Arg.Any<IRequest<SocketReply>>(), default);
    }

    [Theory]
    [InlineData("""{"type":"ping"}""")]
    [InlineData("""{"type":"ping","data":{}}""")]
    public async Task DispatchAsync_AnswersPingWithPong(string json)
    {
        (await Dispatch(json)).Messages.ShouldBe([new PongMessage()]);
        _sent.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("""{"type":"offer","data":{"data":{"type":"offer","sdp":"v=0"}}}""")]
    [InlineData("""{"type":"answer","data":{"target_user_id":null}}""")]
    [InlineData("""{"type":"ice_candidate","data":{"target_user_id":""}}""")]
    [InlineData("""{"type":"offer"}""")]
    public async Task DispatchAsync_RequiresATargetForSignals(string json)
    {
        (await Dispatch(json)).Messages.ShouldBe([new ErrorMessage("target_user_id required")]);
        _sent.ShouldBeEmpty();
    }

    [Fact]
    public async Task DispatchAsync_ForwardsTheInnerDataOfASignal()
    {
        var reply = await Dispatch($$$$"""{"type":"offer","data":{"target_user_id":"{{{{Target}}}}","data":{"type":"offer","sdp":"v=0"}}}""");

        reply.ShouldBe(FromHandler);
        var relay = SentRequest<RelaySignalCommand>();
        relay.FromUserId.ShouldBe(_me);
        relay.SignalType.ShouldBe("offer");
        relay.TargetUserId.ShouldBe(Guid.Parse(Target));
        relay.Payload.GetRawText().ShouldBe("""{"type":"offer","sdp":"v=0"}""");
    }

    [Fact]
    public async Task DispatchAsync_ForwardsTheWholeOuterDataWhenThereIsNoInnerData()
    {
        await Dispatch($$$$"""{"type":"ice_candidate","data":{"target_user_id":"{{{{Target.ToUpperInvariant()}}}}","candidate":{"candidate":"c"}}}""");

        var relay = SentRequest<RelaySignalCommand>();
        relay.SignalType.ShouldBe("ice_candidate");
        relay.TargetUserId.ShouldBe(Guid.Parse(Target));
        relay.Payload.GetProperty("candidate").GetProperty("candidate").GetString().ShouldBe("c");
        relay.Payload.GetProperty("target_user_id").GetString().ShouldBe(Target.ToUpperInvariant());
    }

    [Theory]
    [InlineData("42")]
    [InlineData("{\"text\":\"hi\"}")]
    [InlineData("true")]
    public async Task DispatchAsync_RefusesAChatMessageThatIsNotAString(string message)
    {
        (await Dispatch($$$"""{"type":"chat","data":{"target_user_id":"{{{Target}}}","message":{{{message}}}}}""")).Messages
            .ShouldBe([new ErrorMessage("Invalid chat message")]);
        _sent.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("""{"type":"chat","data":{"message":"hi"}}""")]
    [InlineData("""{"type":"chat","data":{"target_user_id":"","message":"hi"}}""")]
    [InlineData("""{"type":"chat","data":{"target_user_id":"3f2a9c0d-1b4e-4a5b-8c7d-0123456789ab"}}""")]
    [InlineData("""{"type":"chat","data":{"target_user_id":"3f2a9c0d-1b4e-4a5b-8c7d-0123456789ab","message":""}}""")]
    [InlineData("""{"type":"chat","data":{"target_user_id":"3f2a9c0d-1b4e-4a5b-8c7d-0123456789ab","message":null}}""")]
    public async Task DispatchAsync_IgnoresAChatWithoutTargetOrText(string json)
    {
        (await Dispatch(json)).Messages.ShouldBeEmpty();
        _sent.ShouldBeEmpty();
    }

    [Fact]
    public async Task DispatchAsync_SendsAChat()
    {
        await Dispatch($$$"""{"type":"chat","data":{"target_user_id":"{{{Target}}}","message":"hello"}}""");

        SentRequest<SendChatCommand>().ShouldBe(new SendChatCommand(_me, Guid.Parse(Target), "hello"));
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData("\"true\"", false)]
    [InlineData("\"false\"", false)]
    [InlineData("1", false)]
    [InlineData("null", false)]
    public async Task DispatchAsync_AcceptsAnInviteOnlyForJsonTrue(string accepted, bool expected)
    {
        await Dispatch($$$"""{"type":"invite_response","data":{"inviter_user_id":"{{{Target}}}","accepted":{{{accepted}}}}}""");

        SentRequest<RespondToInviteCommand>().ShouldBe(new RespondToInviteCommand(_me, Target, expected));
    }

    [Fact]
    public async Task DispatchAsync_AnInviteResponseWithoutAcceptedDeclines()
    {
        await Dispatch($$$"""{"type":"invite_response","data":{"inviter_user_id":"{{{Target}}}"}}""");

        SentRequest<RespondToInviteCommand>().Accepted.ShouldBeFalse();
    }

    [Fact]
    public async Task DispatchAsync_IgnoresAnInviteResponseWithoutInviter()
    {
        (await Dispatch("""{"type":"invite_response","data":{"accepted":true}}""")).Messages.ShouldBeEmpty();
        _sent.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("""{"type":"invite_partner"}""")]
    [InlineData("""{"type":"invite_partner","data":{"partner_user_id":""}}""")]
    [InlineData("""{"type":"invite_partner","data":{"partner_user_id":null}}""")]
    public async Task DispatchAsync_RequiresAPartnerForAnInvite(string json)
    {
        (await Dispatch(json)).Messages.ShouldBe([new ErrorMessage("partner_user_id required")]);
        _sent.ShouldBeEmpty();
    }

    [Fact]
    public async Task DispatchAsync_SendsAnInviteWithTheIdAsSent()
    {
        await Dispatch($$$"""{"type":"invite_partner","data":{"partner_user_id":" {{{Target}}} "}}""");

        SentRequest<InvitePartnerCommand>().ShouldBe(new InvitePartnerCommand(_me, $" {Target} "));
    }

    [Theory]
    [InlineData("""{"type":"join_queue"}""", null, null)]
    [InlineData("""{"type":"join_queue","data":{"mode":"level_filter","level_filter":6.5}}""", "\"level_filter\"", "6.5")]
    [InlineData("""{"type":"join_queue","data":{"mode":"whatever","level_filter":"x"}}""", "\"whatever\"", "\"x\"")]
    public async Task DispatchAsync_PassesJoinQueueFieldsThroughUnjudged(string json, string? mode, string? level)
    {
        await Dispatch(json);

        var join = SentRequest<JoinQueueFromSocketCommand>();
        join.UserId.ShouldBe(_me);
        join.Mode?.GetRawText().ShouldBe(mode);
        join.LevelFilter?.GetRawText().ShouldBe(level);
        (join.Mode is null).ShouldBe(mode is null);
    }

    [Fact]
    public async Task DispatchAsync_AQueueJoinedEchoCanStillBeSerializedAfterDispatch()
    {
        // The real handler echoes the request's level_filter element; the reply is serialized after DispatchAsync returns.
        _mediator.Send(Arg.Any<JoinQueueFromSocketCommand>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            var join = call.Arg<JoinQueueFromSocketCommand>();
            return SocketReply.Of(new QueueJoinedMessage(new QueueJoinedData(join.Mode!.Value.GetString()!, join.LevelFilter)));
        });

        var reply = await Dispatch("""{"type":"join_queue","data":{"mode":"level_filter","level_filter":6.5}}""");

        Encoding.UTF8.GetString(WireJson.Serialize(reply.Messages.ShouldHaveSingleItem()))
            .ShouldBe("""{"type":"queue_joined","data":{"mode":"level_filter","level_filter":6.5}}""");
    }

    [Fact]
    public async Task DispatchAsync_SendsLeaveQueue()
    {
        await Dispatch("""{"type":"leave_queue"}""");

        SentRequest<LeaveQueueFromSocketCommand>().UserId.ShouldBe(_me);
    }

    [Theory]
    [InlineData("""{"type":"end_session","data":{"session_id":"abc"}}""", "\"abc\"")]
    [InlineData("""{"type":"end_session","data":{"session_id":null}}""", null)]
    [InlineData("""{"type":"end_session"}""", null)]
    public async Task DispatchAsync_PassesTheSessionIdAsSent(string json, string? sessionId)
    {
        await Dispatch(json);

        SentRequest<EndSessionCommand>().SessionIdAsSent?.GetRawText().ShouldBe(sessionId);
        (SentRequest<EndSessionCommand>().SessionIdAsSent is null).ShouldBe(sessionId is null);
    }

    [Fact]
    public async Task DispatchAsync_AnswersInternalErrorWhenAHandlerThrows()
    {
        _mediator.Send(Arg.Any<IRequest<SocketReply>>(), Arg.Any<CancellationToken>()).Throws(new InvalidOperationException("boom"));

        (await Dispatch("""{"type":"leave_queue"}""")).Messages.ShouldBe([new ErrorMessage("Internal error")]);
    }
}
