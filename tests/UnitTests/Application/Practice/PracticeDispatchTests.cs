using System.Text;
using MediatR;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using Speaking.Application.Practice;
using Speaking.Application.Realtime;
using Speaking.Infrastructure.Realtime;

namespace Speaking.UnitTests.Application.Practice;

/// <summary>practice_start / practice_stop on the socket: well-formed input runs the use case, anything else is an error reply.</summary>
public class PracticeDispatchTests
{
    private const string Session = "3f2a9c0d-1b4e-4a5b-8c7d-0123456789ab";
    private readonly IMediator _mediator = Substitute.For<IMediator>();
    private readonly Guid _me = Guid.NewGuid();
    private readonly List<IRequest<SocketReply>> _sent = [];

    public PracticeDispatchTests() =>
        _mediator.Send(Arg.Do<IRequest<SocketReply>>(_sent.Add), Arg.Any<CancellationToken>()).Returns(SocketReply.None);

    private Task<SocketReply> Dispatch(string json) =>
        new MessageDispatcher(_mediator, NullLogger<MessageDispatcher>.Instance).DispatchAsync(_me, Encoding.UTF8.GetBytes(json), default);

    [Fact]
    public async Task PracticeStartAndStop_RunTheirUseCases()
    {
        await Dispatch($$$"""{"type":"practice_start","data":{"session_id":"{{{Session}}}"}}""");
        await Dispatch($$$"""{"type":"practice_stop","data":{"session_id":"{{{Session.ToUpperInvariant()}}}"}}""");

        _sent.ShouldBe([new StartPracticeCommand(_me, Guid.Parse(Session)), new StopPracticeCommand(_me, Guid.Parse(Session))]);
    }

    [Theory]
    [InlineData("""{"type":"practice_start"}""", "session_id required")]
    [InlineData("""{"type":"practice_start","data":{}}""", "session_id required")]
    [InlineData("""{"type":"practice_stop","data":{"session_id":""}}""", "session_id required")]
    [InlineData("""{"type":"practice_start","data":{"session_id":null}}""", "session_id required")]
    [InlineData("""{"type":"practice_start","data":{"session_id":"nope"}}""", "Invalid message")]
    [InlineData("""{"type":"practice_stop","data":{"session_id":42}}""", "Invalid message")]
    [InlineData("""{"type":"practice_start","data":[]}""", "Invalid message")]
    [InlineData("""{"type":"practice_start","data":null}""", "Invalid message")]
    public async Task BadInput_IsAnsweredWithAnError_AndRunsNothing(string json, string error)
    {
        (await Dispatch(json)).Messages.ShouldBe([new ErrorMessage(error)]);
        _sent.ShouldBeEmpty();
    }
}
