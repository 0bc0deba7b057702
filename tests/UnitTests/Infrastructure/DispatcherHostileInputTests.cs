using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Npgsql;
using Speaking.Application.Queue;
using Speaking.Application.Realtime;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Infrastructure;

/// <summary>Issue 12, items 1, 3 and 10 at the socket's dispatcher: lone surrogates, NUL, and a database that does not answer.</summary>
public class DispatcherHostileInputTests
{
    private readonly DispatcherRig _rig = new();

    private Task<SocketReply> Dispatch(string json) => _rig.Dispatch(json);

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
        _rig.Commands.ShouldBeEmpty();
        _rig.ScopesOpened.ShouldBe(0);
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
        new InvalidOperationException("wrapped", new TimeoutException("The operation has timed out.")),
    };

    [Theory]
    [MemberData(nameof(Outages))]
    public async Task ADatabaseThatDoesNotAnswer_IsAnErrorMessage_NotAnInternalError(Exception outage)
    {
        _rig.Handle = command => command is LeaveQueueFromSocketCommand ? throw outage : DispatcherRig.FromHandler;

        (await Dispatch("""{"type":"leave_queue"}""")).Messages.ShouldBe([new ErrorMessage("Service temporarily unavailable")]);
        _rig.Metrics.DatabaseErrors.WithLabels("socket").Value.ShouldBe(1);
        _rig.Refused("unavailable").ShouldBe(1);
    }

    [Fact]
    public async Task AnOutage_IsLoggedOnce_AsAWarning_WithoutTheMessagesText()
    {
        _rig.Handle = _ => throw new TimeoutException("The operation has timed out.");

        await Dispatch("""{"type":"chat","data":{"target_user_id":"3f2a9c0d-1b4e-4a5b-8c7d-0123456789ab","message":"my secret plan"}}""");

        var line = _rig.Log.Entries.ShouldHaveSingleItem();
        line.Level.ShouldBe(LogLevel.Warning);
        line.Message.ShouldContain("chat");
        line.Message.ShouldContain(_rig.User.ToString());
        line.Message.ShouldNotContain("secret");
    }
}
