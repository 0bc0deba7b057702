using System.Text.Json;
using NSubstitute;
using Speaking.Application.Realtime;
using Speaking.Application.Realtime.Wire;
using Speaking.Application.Safety;
using Speaking.Application.Sessions;
using Speaking.Application.Users;
using Speaking.Domain.Common;
using Speaking.Domain.Safety;
using Speaking.Domain.Sessions;
using Speaking.Domain.Users;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Application.Safety;

public class BlockUserCommandHandlerTests
{
    private readonly IUserRepository _users = Substitute.For<IUserRepository>();
    private readonly IBlockRepository _blocks = Substitute.For<IBlockRepository>();
    private readonly ISessionRepository _sessions = Substitute.For<ISessionRepository>();
    private readonly IRealtimeNotifier _notifier = Substitute.For<IRealtimeNotifier>();
    private readonly Guid _me = Guid.NewGuid();
    private readonly Guid _them = Guid.NewGuid();
    private readonly ConnectionRef _myConnection = new("node", 1);
    private readonly ConnectionRef _theirConnection = new("node", 2);
    private readonly BlockView _view;

    public BlockUserCommandHandlerTests()
    {
        _users.GetAsync(_them, Arg.Any<CancellationToken>()).Returns(Fakes.User(_them));
        _view = new BlockView(_them, "them", Fakes.Now);
        _blocks.BlockAsync(_me, _them, Fakes.Now, Arg.Any<CancellationToken>()).Returns(_view);
        _sessions.SaveEndAsync(Arg.Any<Session>(), Arg.Any<CancellationToken>())
            .Returns(call => new EndedSession(call.Arg<Session>(), _theirConnection, _myConnection));
    }

    private Task<Result<BlockView>> Block(Guid target) =>
        new BlockUserCommandHandler(_users, _blocks, _sessions, _notifier, Fakes.ClockAt(Fakes.Now))
            .Handle(new BlockUserCommand(_me, target), default);

    private Session InCallWith(Guid partner)
    {
        // The partner is the initiator (user1), so the blocker is the callee.
        var session = Session.Start(Guid.NewGuid(), partner, _me, QueueMode.Roulette, "room_0123456789ab", Fakes.Now.AddMinutes(-5));
        _sessions.FindActiveForUserAsync(_me, Arg.Any<CancellationToken>())
            .Returns(new Participation(session, _me, _myConnection, null, _theirConnection));
        return session;
    }

    private static bool IsSessionEnded(ServerMessage message, Guid sessionId) =>
        message is SessionEndedMessage { Data.SessionId: { ValueKind: JsonValueKind.String } id } && id.GetString() == sessionId.ToString();

    [Fact]
    public async Task Block_StoresTheBlock_AndAnswersIt()
    {
        (await Block(_them)).Value.ShouldBe(_view);
        await _blocks.Received(1).BlockAsync(_me, _them, Fakes.Now, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Block_OfOneself_Is400_BeforeAnyLookUp()
    {
        var result = await Block(_me);

        result.Error.ShouldBe(SafetyErrors.CannotBlockYourself);
        result.Error!.Kind.ShouldBe(ErrorKind.BadRequest);
        await _users.DidNotReceiveWithAnyArgs().GetAsync(default, default);
        await _blocks.DidNotReceiveWithAnyArgs().BlockAsync(default, default, default, default);
    }

    [Fact]
    public async Task Block_OfAnUnknownUser_Is404()
    {
        (await Block(Guid.NewGuid())).Error.ShouldBe(UserErrors.NotFound);
        await _blocks.DidNotReceiveWithAnyArgs().BlockAsync(default, default, default, default);
    }

    [Fact]
    public async Task Block_DuringACallWithThem_EndsItAsBlockedByTheBlocker_AndTellsBothConnections()
    {
        var session = InCallWith(_them);

        await Block(_them);

        await _sessions.Received(1).SaveEndAsync(Arg.Is<Session>(s => s.Id == session.Id && s.Status == SessionStatus.Completed
            && s.EndReason == SessionEndReason.Blocked && s.EndedBy == _me && s.EndedAt == Fakes.Now), Arg.Any<CancellationToken>());
        foreach (var connection in new[] { _myConnection, _theirConnection })
        {
            await _notifier.Received(1).SendToConnectionAsync(connection, Arg.Is<ServerMessage>(m => IsSessionEnded(m, session.Id)),
                new BindingChange.Unbind(session.Id), Arg.Any<Guid?>());
        }
    }

    [Fact]
    public async Task Block_StoresTheBlockBeforeEndingTheCall()
    {
        InCallWith(_them);

        await Block(_them);

        Received.InOrder(() =>
        {
            _blocks.BlockAsync(_me, _them, Fakes.Now, Arg.Any<CancellationToken>());
            _sessions.SaveEndAsync(Arg.Any<Session>(), Arg.Any<CancellationToken>());
        });
    }

    [Fact]
    public async Task Block_DuringACallWithSomeoneElse_LeavesThatCallAlone()
    {
        InCallWith(Guid.NewGuid());

        (await Block(_them)).IsSuccess.ShouldBeTrue();

        await _sessions.DidNotReceiveWithAnyArgs().SaveEndAsync(default!, default);
        await _notifier.DidNotReceiveWithAnyArgs().SendToConnectionAsync(default, default!, default, default);
    }

    [Fact]
    public async Task Block_WhenTheCallEndedMeanwhile_TellsNobody()
    {
        InCallWith(_them);
        _sessions.SaveEndAsync(Arg.Any<Session>(), Arg.Any<CancellationToken>()).Returns((EndedSession?)null);

        (await Block(_them)).IsSuccess.ShouldBeTrue();

        await _notifier.DidNotReceiveWithAnyArgs().SendToConnectionAsync(default, default!, default, default);
    }

    [Fact]
    public async Task Block_WhileTheirSideWaitsToReconnect_TellsOnlyTheConnectionThatHoldsASide()
    {
        var session = InCallWith(_them);
        _sessions.SaveEndAsync(Arg.Any<Session>(), Arg.Any<CancellationToken>()).Returns(new EndedSession(session, null, _myConnection));

        await Block(_them);

        await _notifier.Received(1).SendToConnectionAsync(_myConnection, Arg.Any<ServerMessage>(), Arg.Any<BindingChange?>(), Arg.Any<Guid?>());
        await _notifier.DidNotReceive().SendToConnectionAsync(_theirConnection, Arg.Any<ServerMessage>(), Arg.Any<BindingChange?>(), Arg.Any<Guid?>());
    }
}

public class UnblockUserCommandHandlerTests
{
    private readonly IBlockRepository _blocks = Substitute.For<IBlockRepository>();

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public async Task Unblock_RemovesOnlyAnExistingBlock(bool existed, bool succeeds)
    {
        var me = Guid.NewGuid();
        var them = Guid.NewGuid();
        _blocks.UnblockAsync(me, them, Arg.Any<CancellationToken>()).Returns(existed);

        var result = await new UnblockUserCommandHandler(_blocks).Handle(new UnblockUserCommand(me, them), default);

        result.IsSuccess.ShouldBe(succeeds);
        if (!succeeds) result.Error.ShouldBe(SafetyErrors.NotBlocked);
    }
}
