using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NSubstitute;
using Speaking.Application.Common;
using Speaking.Application.Partners;
using Speaking.Application.Queue;
using Speaking.Application.Realtime;
using Speaking.Application.Realtime.Wire;
using Speaking.Application.Safety;
using Speaking.Application.Sessions;
using Speaking.Application.Users;
using Speaking.Domain.Common;
using Speaking.Domain.Matchmaking;
using Speaking.Domain.Safety;
using Speaking.Domain.Users;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Application.Safety;

/// <summary>A suspended user's joins are refused, in each entry's own wire form, with the time the suspension ends .</summary>
public class SuspendedJoinTests
{
    private readonly IQueueRepository _queue = Substitute.For<IQueueRepository>();
    private readonly IUserRepository _users = Substitute.For<IUserRepository>();
    private readonly DateTime _until = Fakes.Now.AddDays(3);
    private readonly User _suspended;

    public SuspendedJoinTests()
    {
        _suspended = User.Restore(Guid.NewGuid(), "s@example.com", "h", "sus", 6, 7, true, Fakes.Now, Fakes.Now, suspendedUntil: _until);
        _users.GetAsync(_suspended.Id, Arg.Any<CancellationToken>()).Returns(_suspended);
    }

    [Theory]
    [InlineData(QueueMode.Roulette)]
    [InlineData(QueueMode.LevelFilter)]
    public async Task RestJoin_Is403WithTheEndOfTheSuspension(QueueMode mode)
    {
        var result = await new JoinQueueCommandHandler(_queue, _users, Fakes.SelfLevels, Fakes.ClockAt(Fakes.Now))
            .Handle(new JoinQueueCommand(_suspended.Id, mode, BodyShape.Object, Input<double>.Missing), default);

        result.Error.ShouldBe(SafetyErrors.Suspended(_until));
        result.Error!.Kind.ShouldBe(ErrorKind.Forbidden);
        await _queue.DidNotReceiveWithAnyArgs().TryJoinAsync(default!, default, default);
    }

    [Fact]
    public async Task SocketJoin_IsAnErrorWithTheEndOfTheSuspension()
    {
        var reply = await new JoinQueueFromSocketCommandHandler(_queue, _users, Fakes.SelfLevels, Fakes.ClockAt(Fakes.Now))
            .Handle(new JoinQueueFromSocketCommand(_suspended.Id, new ConnectionRef("node", 1), null, null), default);

        reply.Messages.ShouldBe([new ErrorMessage("You are suspended from matching and invitations until " + _until.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"))]);
        await _queue.DidNotReceiveWithAnyArgs().TryJoinAsync(default!, default, default);
    }

    [Fact]
    public async Task OnceTheSuspensionHasEnded_TheJoinGoesThrough()
    {
        _queue.TryJoinAsync(default!, default, default).ReturnsForAnyArgs(JoinOutcome.Joined);

        var reply = await new JoinQueueFromSocketCommandHandler(_queue, _users, Fakes.SelfLevels, Fakes.ClockAt(_until))
            .Handle(new JoinQueueFromSocketCommand(_suspended.Id, new ConnectionRef("node", 1), null, null), default);

        reply.Messages.Single().ShouldBeOfType<QueueJoinedMessage>();
    }

    [Theory]
    [InlineData("""{"mode":"level_filter","widen":true}""", true)]
    [InlineData("""{"mode":"roulette","widen":true}""", false)]
    [InlineData("""{"mode":"level_filter"}""", false)]
    public async Task SocketJoin_StoresWiden_ForLevelFilterTicketsOnly(string data, bool stored)
    {
        var user = Fakes.User();
        _users.GetAsync(user.Id, Arg.Any<CancellationToken>()).Returns(user);
        _queue.TryJoinAsync(default!, default, default).ReturnsForAnyArgs(JoinOutcome.Joined);
        using var json = JsonDocument.Parse(data);
        var root = json.RootElement;

        await new JoinQueueFromSocketCommandHandler(_queue, _users, Fakes.SelfLevels, Fakes.ClockAt(Fakes.Now))
            .Handle(new JoinQueueFromSocketCommand(user.Id, new ConnectionRef("node", 1), root.GetProperty("mode").Clone(), null,
                root.TryGetProperty("widen", out var widen) && widen.GetBoolean()), default);

        await _queue.Received(1).TryJoinAsync(Arg.Is<QueueTicket>(t => t.Widen == stored), Arg.Any<ConnectionRef?>(), Arg.Any<CancellationToken>());
    }
}

public class InviteSafetyTests
{
    private readonly IPartnerRepository _partners = Substitute.For<IPartnerRepository>();
    private readonly IUserRepository _users = Substitute.For<IUserRepository>();
    private readonly IPresence _presence = Substitute.For<IPresence>();
    private readonly IRealtimeNotifier _notifier = Substitute.For<IRealtimeNotifier>();
    private readonly IInvitationRepository _invitations = Substitute.For<IInvitationRepository>();
    private readonly IBlockRepository _blocks = Substitute.For<IBlockRepository>();
    private readonly User _me = Fakes.User(username: "me");
    private readonly User _partner = Fakes.User(username: "partner");

    public InviteSafetyTests()
    {
        _users.GetAsync(_me.Id, Arg.Any<CancellationToken>()).Returns(_me);
        _users.GetAsync(_partner.Id, Arg.Any<CancellationToken>()).Returns(_partner);
        _partners.ArePartnersAsync(_me.Id, _partner.Id, Arg.Any<CancellationToken>()).Returns(true);
        _presence.IsOnlineAsync(_partner.Id).Returns(true);
        _notifier.SendToUserAsync(default, default!).ReturnsForAnyArgs(true);
    }

    private static User Suspended(User user) =>
        User.Restore(user.Id, user.Email, "h", user.Username, 6, 7, true, Fakes.Now, Fakes.Now, suspendedUntil: Fakes.Now.AddDays(2));

    private Task<SocketReply> Invite() =>
        new InvitePartnerCommandHandler(_partners, _users, _presence, _notifier, _invitations, _blocks, Fakes.ClockAt(Fakes.Now))
            .Handle(new InvitePartnerCommand(_me.Id, new ConnectionRef("node", 1), _partner.IdText()), default);

    private async Task ShouldBeRefusedWith(string message)
    {
        (await Invite()).Messages.ShouldBe([new InviteErrorMessage(message)]);
        await _invitations.DidNotReceiveWithAnyArgs().RecordAsync(default!, default);
        await _notifier.DidNotReceiveWithAnyArgs().SendToUserAsync(default, default!);
    }

    [Fact]
    public async Task AnInviteToAPartner_IsSent() => (await Invite()).Messages.Single().ShouldBeOfType<InviteSentMessage>();

    [Fact]
    public async Task AnInviteBetweenUsersWhoBlockEachOther_IsRefusedAsToANonPartner()
    {
        _blocks.EitherBlocksAsync(_me.Id, _partner.Id, Arg.Any<CancellationToken>()).Returns(true);
        await ShouldBeRefusedWith("Not your partner");
    }

    [Fact]
    public async Task ASuspendedInviter_IsToldUntilWhen()
    {
        var me = Suspended(_me);
        _users.GetAsync(_me.Id, Arg.Any<CancellationToken>()).Returns(me);
        await ShouldBeRefusedWith(SafetyErrors.Suspended(me.SuspendedUntil!.Value).Detail);
    }

    [Fact]
    public async Task ASuspendedPartner_CannotBeInvited()
    {
        _users.GetAsync(_partner.Id, Arg.Any<CancellationToken>()).Returns(Suspended(_partner));
        await ShouldBeRefusedWith("This user cannot be invited right now");
    }
}

public class RespondToInviteSafetyTests
{
    private readonly ISessionRepository _sessions = Substitute.For<ISessionRepository>();
    private readonly IInvitationRepository _invitations = Substitute.For<IInvitationRepository>();
    private readonly IUserRepository _users = Substitute.For<IUserRepository>();
    private readonly IBlockRepository _blocks = Substitute.For<IBlockRepository>();
    private readonly User _inviter = Fakes.User(username: "inviter");
    private readonly User _me = Fakes.User(username: "me");

    public RespondToInviteSafetyTests()
    {
        _invitations.TryConsumeAsync(_inviter.Id, _me.Id, Fakes.Now, Arg.Any<CancellationToken>())
            .Returns(new Invitation(_inviter.Id, _me.Id, null, Fakes.Now.AddSeconds(30)));
        _users.GetManyAsync(default!, default).ReturnsForAnyArgs([_inviter, _me]);
        _sessions.TryStartInvitedAsync(default!, default, default).ReturnsForAnyArgs(true);
    }

    private Task<SocketReply> Accept()
    {
        var presence = Substitute.For<IPresence>();
        var notifier = Substitute.For<IRealtimeNotifier>();
        var announcer = new SessionAnnouncer(_users, notifier, Fakes.SelfLevels, Fakes.Practice(), NullLogger<SessionAnnouncer>.Instance);
        return new RespondToInviteCommandHandler(_sessions, _invitations, presence, notifier, announcer, _blocks, _users, Fakes.ClockAt(Fakes.Now),
                Options.Create(new RealtimeOptions()))
            .Handle(new RespondToInviteCommand(_me.Id, new ConnectionRef("node", 1), _inviter.IdText(), true), default);
    }

    [Fact]
    public async Task Accepting_StartsTheCall() => (await Accept()).Messages.ShouldBeEmpty();

    [Fact]
    public async Task Accepting_AfterABlock_FindsNothingToAccept()
    {
        _blocks.EitherBlocksAsync(_inviter.Id, _me.Id, Arg.Any<CancellationToken>()).Returns(true);

        (await Accept()).Messages.ShouldBe([RespondToInviteCommandHandler.NoInvitation]);
        await _sessions.DidNotReceiveWithAnyArgs().TryStartInvitedAsync(default!, default, default);
    }

    [Fact]
    public async Task Accepting_WhileSuspended_IsRefusedWithUntilWhen()
    {
        var until = Fakes.Now.AddDays(1);
        _users.GetManyAsync(default!, default).ReturnsForAnyArgs([_inviter,
            User.Restore(_me.Id, _me.Email, "h", "me", 6, 7, true, Fakes.Now, Fakes.Now, suspendedUntil: until)]);

        (await Accept()).Messages.ShouldBe([new InviteErrorMessage(SafetyErrors.Suspended(until).Detail)]);
        await _sessions.DidNotReceiveWithAnyArgs().TryStartInvitedAsync(default!, default, default);
    }

    [Fact]
    public async Task Accepting_AnInvitationFromAUserSuspendedSince_FindsNothingToAccept()
    {
        _users.GetManyAsync(default!, default).ReturnsForAnyArgs([_me,
            User.Restore(_inviter.Id, _inviter.Email, "h", "inviter", 6, 7, true, Fakes.Now, Fakes.Now, suspendedUntil: Fakes.Now.AddDays(1))]);

        (await Accept()).Messages.ShouldBe([RespondToInviteCommandHandler.NoInvitation]);
        await _sessions.DidNotReceiveWithAnyArgs().TryStartInvitedAsync(default!, default, default);
    }
}

internal static class UserIds
{
    public static string IdText(this User user) => user.Id.ToString();
}
