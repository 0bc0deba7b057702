using System.Net.Sockets;
using System.Text;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using Speaking.Application.Queue;
using Speaking.Application.Realtime;
using Speaking.Infrastructure.Observability;
using Speaking.Infrastructure.Realtime;

namespace Speaking.UnitTests.Infrastructure;

/// <summary>Issue 12, items 1, 3 and 10 at the socket's dispatcher: lone surrogates, NUL, and a database that does not answer.</summary>
public class DispatcherHostileInputTests
{
    private readonly IMediator _mediator = Substitute.For<IMediator>();
    private readonly Guid _me = Guid.NewGuid();

    private Task<SocketReply> Dispatch(string json) =>
        new MessageDispatcher(Scopes(), new SpeakingMetrics(), NullLogger<MessageDispatcher>.Instance)
            .DispatchAsync(_me, new ConnectionRef("node", 1), Encoding.UTF8.GetBytes(json), default);

    private IServiceScopeFactory Scopes() =>
        new ServiceCollection().AddScoped(_ => _mediator).BuildServiceProvider().GetRequiredService<IServiceScopeFactory>();

    [Theory]
    [InlineData("""{"type":"chat","data":{"target_user_id":"3f2a9c0d-1b4e-4a5b-8c7d-0123456789ab","message":"\ud800"}}""")]
    [InlineData("""{"type":"join_queue","data":{"\ud800":1}}""")]
    [InlineData("""{"type":"join_queue","data":{"mode":"roulette"},"\udc00":1}""")]
    [InlineData("""{"\udc00":1,"type":"join_queue"}""")]
    [InlineData("""{"type":"offer","data":{"target_user_id":"\ud800"}}""")]
    [InlineData("""{"type":"chat","data":{"target_user_id":"3f2a9c0d-1b4e-4a5b-8c7d-0123456789ab","message":"a\u0000b"}}""")]
    [InlineData("""{"type":"offer","data":{"target_user_id":"3f2a9c0d-1b4e-4a5b-8c7d-0123456789ab","data":{"sdp":"\u0000"}}}""")]
    public async Task HostileText_IsInvalidMessage_AndReachesNoUseCase(string json)
    {
        (await Dispatch(json)).Messages.ShouldBe([ErrorMessage.InvalidMessage]);
        await _mediator.DidNotReceiveWithAnyArgs().Send(Arg.Any<IRequest<SocketReply>>(), default);
    }

    [Theory]
    [InlineData("""{"type":"\ud800"}""")]
    [InlineData("""{"type":"ping\ud800"}""")]
    [InlineData("""{"type":"no_such_type","data":{"\ud800":1}}""")]
    public async Task ALoneSurrogate_MakesEvenAnUnknownTypeInvalid(string json) =>
        (await Dispatch(json)).Messages.ShouldBe([ErrorMessage.InvalidMessage]);

    [Theory]
    [InlineData("""{"type":"no_such\u0000type"}""")]
    [InlineData("""{"type":"no_such_type","data":{"x":"\u0000"}}""")]
    public async Task ANulInAnUnknownType_IsIgnored(string json) => (await Dispatch(json)).Messages.ShouldBeEmpty();

    public static TheoryData<Exception> Outages => new()
    {
        new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused)),
        new TimeoutException("The operation has timed out."),
    };

    [Theory]
    [MemberData(nameof(Outages))]
    public async Task ADatabaseThatDoesNotAnswer_IsAnErrorMessage_NotAnInternalError(Exception outage)
    {
        _mediator.Send(Arg.Any<LeaveQueueFromSocketCommand>(), Arg.Any<CancellationToken>()).ThrowsAsync(outage);

        (await Dispatch("""{"type":"leave_queue"}""")).Messages.ShouldBe([new ErrorMessage("Service temporarily unavailable")]);
    }
}
