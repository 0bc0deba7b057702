using NSubstitute;
using Speaking.Application.Realtime;
using Speaking.Application.Sessions;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Application.Sessions;

/// <summary>A message about a session goes to the connection that holds the user's side of it, and only while it does .</summary>
public class SessionTrafficTests
{
    private readonly ISessionRepository _sessions = Substitute.For<ISessionRepository>();
    private readonly Deliveries _deliveries = new();
    private readonly Guid _ann = Guid.NewGuid();
    private readonly Guid _bob = Guid.NewGuid();
    private readonly ConnectionRef _annConnection = Fakes.Connection(1);
    private static readonly ServerMessage Message = new PongMessage();

    private Task<bool> SendToAnn(Guid sessionId) => _deliveries.Notifier.SendToSideAsync(_sessions, sessionId, _ann, Message, default).AsTask();

    private void AnnIsIn(Participation? side) => _sessions.FindActiveForUserAsync(_ann, Arg.Any<CancellationToken>()).Returns(side);

    [Fact]
    public async Task SendToSide_DeliversToTheConnectionHoldingTheSide_OnlyWhileItHoldsTheSession()
    {
        var session = Fakes.ActiveSession(_ann, _bob);
        AnnIsIn(Fakes.Side(session, _ann, _annConnection, null));

        (await SendToAnn(session.Id)).ShouldBeTrue();

        _deliveries.Sent.ShouldBe([new Delivery(_annConnection, null, Message, null, session.Id)]);
    }

    [Fact]
    public async Task SendToSide_NothingWhileTheSideIsHeldByNoConnection()
    {
        var session = Fakes.ActiveSession(_ann, _bob);
        AnnIsIn(Fakes.Side(session, _ann, null, null));

        (await SendToAnn(session.Id)).ShouldBeFalse();
        _deliveries.Sent.ShouldBeEmpty();
    }

    [Fact]
    public async Task SendToSide_NothingWhenTheUsersActiveSessionIsAnotherOne()
    {
        AnnIsIn(Fakes.Side(Fakes.ActiveSession(_ann, _bob), _ann, _annConnection, null));

        (await SendToAnn(Guid.NewGuid())).ShouldBeFalse();
        _deliveries.Sent.ShouldBeEmpty();
    }

    [Fact]
    public async Task SendToSide_NothingWithoutAnActiveSession()
    {
        AnnIsIn(null);

        (await SendToAnn(Guid.NewGuid())).ShouldBeFalse();
        _deliveries.Sent.ShouldBeEmpty();
    }
}
