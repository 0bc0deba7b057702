using Speaking.Application.Practice;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Application.Practice;

/// <summary>practice_start / practice_stop on the socket: well-formed input runs the use case, anything else is an error reply and runs nothing.</summary>
public class PracticeDispatchTests
{
    private const string Session = "3f2a9c0d-1b4e-4a5b-8c7d-0123456789ab";
    private readonly DispatcherRig _rig = new();

    [Fact]
    public async Task PracticeStartAndStop_RunTheirUseCases()
    {
        await _rig.Dispatch($$$"""{"type":"practice_start","data":{"session_id":"{{{Session}}}"}}""");
        await _rig.Dispatch($$$"""{"type":"practice_stop","data":{"session_id":"{{{Session.ToUpperInvariant()}}}"}}""");

        _rig.Commands.ShouldBe([new StartPracticeCommand(_rig.User, Guid.Parse(Session)), new StopPracticeCommand(_rig.User, Guid.Parse(Session))]);
    }

    [Fact]
    public async Task TheUseCasesAnswer_IsTheReply()
    {
        var phase = PracticePhaseMessage.Finished(Guid.Parse(Session));
        _rig.Handle = _ => SocketReply.Of(phase);

        (await _rig.Dispatch($$$"""{"type":"practice_stop","data":{"session_id":"{{{Session}}}"}}""")).Messages.ShouldBe([phase]);
    }

    [Theory]
    [InlineData("""{"type":"practice_start"}""", "session_id required")]
    [InlineData("""{"type":"practice_stop","data":{"session_id":""}}""", "session_id required")]
    [InlineData("""{"type":"practice_start","data":{"session_id":"nope"}}""", "Invalid message")]
    [InlineData("""{"type":"practice_stop","data":{"session_id":42}}""", "Invalid message")]
    [InlineData("""{"type":"practice_start","data":null}""", "Invalid message")]
    public async Task BadInput_IsAnsweredWithAnError_AndRunsNothing(string json, string error)
    {
        (await _rig.Dispatch(json)).Messages.ShouldBe([new ErrorMessage(error)]);
        _rig.Commands.ShouldBeEmpty();
        _rig.ScopesOpened.ShouldBe(0);
    }
}
