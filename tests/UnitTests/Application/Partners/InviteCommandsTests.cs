using Microsoft.Extensions.Options;
using NSubstitute;
using Speaking.Application.Partners;
using Speaking.Application.Realtime;
using Speaking.Application.Safety;
using Speaking.Application.Sessions;
using Speaking.Domain.Common;
using Speaking.Domain.Partners;
using Speaking.Domain.Users;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Application.Partners;

/// <summary>invite_partner (D-4): only an online partner, recorded with the connection that invited .</summary>
public class InvitePartnerCommandHandlerTests
{
    private readonly RealtimeWorld _world = new();
    private readonly IPartnerRepository _partners = Substitute.For<IPartnerRepository>();
    private readonly IInvitationRepository _invitations = Substitute.For<IInvitationRepository>();
    private readonly IBlockRepository _blocks = Substitute.For<IBlockRepository>(); // no blocks unless a test says so
    private readonly User _me;
    private readonly User _partner;
    private readonly ConnectionRef _myConnection = Fakes.Connection(1);

    public InvitePartnerCommandHandlerTests()
    {
        _me = _world.Person("ann", 6.5);
        _partner = _world.Person("bob");
        _partners.ArePartnersAsync(_me.Id, _partner.Id, Arg.Any<CancellationToken>()).Returns(true);
        _world.Connect(_partner.Id, Fakes.Connection(2));
    }

    private async Task<ServerMessage> Invite(string? partner, Guid? from = null) =>
        (await new InvitePartnerCommandHandler(_partners, _world.Users, _world.Presence, _world.Notifier, _invitations, _blocks, _world.Clock)
            .Handle(new InvitePartnerCommand(from ?? _me.Id, _myConnection, partner), default)).Messages.ShouldHaveSingleItem();

    private async Task NothingWasRecordedOrSent()
    {
        await _invitations.DidNotReceiveWithAnyArgs().RecordAsync(default!, default);
        _world.Deliveries.Sent.ShouldBeEmpty();
    }

    [Fact]
    public async Task Handle_InvitesAnOnlinePartner_AfterRecordingTheInvitationWithThisConnection()
    {
        (await Invite($" {_partner.Id} ")).ShouldBe(new InviteSentMessage("Taklif yuborildi!"));

        _world.Deliveries.Sent.ShouldBe([new Delivery(null, _partner.Id, new PartnerInviteMessage(_me.Id, "ann", 6.5, "2026-02-05T14:03:27.000000Z"))]);
        Received.InOrder(() =>
        {
            _invitations.RecordAsync(new Invitation(_me.Id, _partner.Id, _myConnection, Fakes.Now.AddSeconds(60)), Arg.Any<CancellationToken>());
            _world.Notifier.SendToUserAsync(_partner.Id, Arg.Any<PartnerInviteMessage>());
        });
        await _invitations.DidNotReceiveWithAnyArgs().TryConsumeAsync(default, default, default, default);
    }

    [Fact]
    public async Task Handle_RefusesSomeoneWhoIsNotAPartner()
    {
        var stranger = _world.Person("eve");
        _world.Connect(stranger.Id, Fakes.Connection(5));

        (await Invite(stranger.Id.ToString())).ShouldBe(new InviteErrorMessage("Not your partner"));
        await NothingWasRecordedOrSent();
    }

    [Fact]
    public async Task Handle_RefusesInvitingOneself()
    {
        _partners.ArePartnersAsync(Arg.Any<Guid>(), Arg.Any<Guid>(), Arg.Any<CancellationToken>()).Returns(true);
        _world.Connect(_me.Id, _myConnection);

        (await Invite(_me.Id.ToString())).ShouldBe(new InviteErrorMessage(PartnerErrors.NotYourPartner));
        await NothingWasRecordedOrSent();
    }

    [Fact]
    public async Task Handle_RefusesAPartnerWhenEitherBlocksTheOther_AsNotAPartner()
    {
        _blocks.EitherBlocksAsync(_me.Id, _partner.Id, Arg.Any<CancellationToken>()).Returns(true);

        (await Invite(_partner.Id.ToString())).ShouldBe(new InviteErrorMessage(PartnerErrors.NotYourPartner));
        await NothingWasRecordedOrSent();
        await _world.Presence.DidNotReceiveWithAnyArgs().IsOnlineAsync(default);
    }

    [Theory]
    [InlineData("not-a-uuid")]
    [InlineData("3f2a9c0d-1b4e-4a5b-8c7d")]
    public async Task Handle_RefusesAMalformedIdAsNotAPartner(string partner)
    {
        (await Invite(partner)).ShouldBe(new InviteErrorMessage(PartnerErrors.NotYourPartner));
        await _partners.DidNotReceiveWithAnyArgs().ArePartnersAsync(default, default, default);
    }

    [Fact]
    public async Task Handle_TellsTheInviterThatAnOfflinePartnerIsOffline()
    {
        _world.Disconnect(_partner.Id, Fakes.Connection(2));

        (await Invite(_partner.Id.ToString())).ShouldBe(new InviteErrorMessage("Sherik hozir online emas"));
        await NothingWasRecordedOrSent();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Handle_RequiresAPartnerId(string? partner) =>
        (await Invite(partner)).ShouldBe(new ErrorMessage("partner_user_id required"));

    [Fact]
    public async Task Handle_AFailedDelivery_IsReported_AndTheInvitationCannotBeAccepted()
    {
        _world.Deliveries.Unreachable.Add(_partner.Id);

        (await Invite(_partner.Id.ToString())).ShouldBe(new InviteErrorMessage("Taklif yuborishda xatolik"));

        await _invitations.Received(1).TryConsumeAsync(_me.Id, _partner.Id, Fakes.Now, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Handle_AnInviterWhoNoLongerExists_IsAnInvalidMessage()
    {
        var ghost = Guid.NewGuid();
        _partners.ArePartnersAsync(ghost, _partner.Id, Arg.Any<CancellationToken>()).Returns(true);

        (await Invite(_partner.Id.ToString(), from: ghost)).ShouldBe(ErrorMessage.InvalidMessage);
        await NothingWasRecordedOrSent();
    }
}

/// <summary>invite_response (D-5): only a pending invitation, consumed; acceptance starts a session bound to both connections .</summary>
public class RespondToInviteCommandHandlerTests
{
    private readonly RealtimeWorld _world = new();
    private readonly IInvitationRepository _invitations = Substitute.For<IInvitationRepository>();
    private readonly IBlockRepository _blocks = Substitute.For<IBlockRepository>(); // no blocks unless a test says so
    private readonly User _inviter;
    private readonly User _me;
    private readonly ConnectionRef _myConnection = Fakes.Connection(1);
    private readonly ConnectionRef _invitedFrom = Fakes.Connection(2, node: "b");
    private SessionStart? _started;
    private DateTime? _deadline;

    public RespondToInviteCommandHandlerTests()
    {
        _inviter = _world.Person("ann", 6.0);
        _me = _world.Person("bob", 7.0);
        _world.Connect(_me.Id, _myConnection);
        _world.Sessions.TryStartInvitedAsync(default!, default, default).ReturnsForAnyArgs(call =>
        {
            _started = call.Arg<SessionStart>();
            _deadline = call.Arg<DateTime>();
            return true;
        });
    }

    private void Invited(ConnectionRef? from) =>
        _invitations.TryConsumeAsync(_inviter.Id, _me.Id, Fakes.Now, Arg.Any<CancellationToken>())
            .Returns(new Invitation(_inviter.Id, _me.Id, from, Fakes.Now.AddSeconds(50)));

    private Task<SocketReply> Respond(string? inviter, bool accepted) =>
        new RespondToInviteCommandHandler(_world.Sessions, _invitations, _world.Presence, _world.Notifier, _world.Announcer(), _blocks,
                _world.Users, _world.Clock, Options.Create(new RealtimeOptions { SessionReconnectGraceSeconds = 20 }))
            .Handle(new RespondToInviteCommand(_me.Id, _myConnection, inviter, accepted), default);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Handle_WithoutAPendingInvitation_AnswersAnError(bool accepted)
    {
        (await Respond(_inviter.Id.ToString(), accepted)).Messages.ShouldBe([new InviteErrorMessage("No pending invitation from this user")]);

        await _world.Sessions.DidNotReceiveWithAnyArgs().TryStartInvitedAsync(default!, default, default);
        _world.Deliveries.Sent.ShouldBeEmpty();
    }

    [Fact]
    public async Task Handle_AMalformedInviterId_HasNoPendingInvitation()
    {
        (await Respond("not-a-uuid", true)).Messages.ShouldBe([RespondToInviteCommandHandler.NoInvitation]);

        await _invitations.DidNotReceiveWithAnyArgs().TryConsumeAsync(default, default, default, default);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    public async Task Handle_IgnoresAMissingInviter(string? inviter)
    {
        (await Respond(inviter, true)).ShouldBe(SocketReply.None);

        await _invitations.DidNotReceiveWithAnyArgs().TryConsumeAsync(default, default, default, default);
    }

    [Fact]
    public async Task Handle_Declining_TellsTheInviter_AndStartsNothing()
    {
        Invited(_invitedFrom);

        (await Respond(_inviter.Id.ToString(), false)).ShouldBe(SocketReply.None);

        _world.Deliveries.Sent.ShouldBe([new Delivery(null, _inviter.Id, new InviteRejectedMessage("Taklif rad etildi"))]);
        await _invitations.Received(1).TryConsumeAsync(_inviter.Id, _me.Id, Fakes.Now, Arg.Any<CancellationToken>());
        await _world.Sessions.DidNotReceiveWithAnyArgs().TryStartInvitedAsync(default!, default, default);
    }

    [Fact]
    public async Task Handle_Accepting_StartsARouletteSession_BoundToTheInvitingAndTheAcceptingConnection_CalleeToldFirst()
    {
        _world.Connect(_inviter.Id, _invitedFrom);
        _world.Connect(_inviter.Id, Fakes.Connection(3, node: "b"));
        Invited(_invitedFrom);

        (await Respond($" {_inviter.Id} ", true)).ShouldBe(SocketReply.None);

        var start = _started.ShouldNotBeNull();
        var session = start.Session;
        (session.User1Id, session.User2Id, session.Mode, session.IsActive, session.StartedAt)
            .ShouldBe((_inviter.Id, _me.Id, QueueMode.Roulette, true, Fakes.Now));
        (start.InitiatorConnection, start.CalleeConnection).ShouldBe(((ConnectionRef?)_invitedFrom, (ConnectionRef?)_myConnection));
        _deadline.ShouldBe(Fakes.Now.AddSeconds(20));
        var sent = _world.Deliveries.Sent;
        sent.Select(d => d.Connection).ShouldBe([_myConnection, _invitedFrom]);
        var toMe = sent[0].Message.ShouldBeOfType<MatchedMessage>().Data;
        (toMe.PartnerId, toMe.PartnerUsername, toMe.PartnerLevel, toMe.IsInitiator).ShouldBe((_inviter.Id, "ann", 6.0, false));
        var toInviter = sent[1].Message.ShouldBeOfType<MatchedMessage>().Data;
        (toInviter.PartnerId, toInviter.PartnerUsername, toInviter.PartnerLevel, toInviter.IsInitiator).ShouldBe((_me.Id, "bob", 7.0, true));
    }

    [Fact]
    public async Task Handle_Accepting_AnInvitationBetweenUsersWhoNowBlockEachOther_HasNothingToAccept_AndTellsNobody()
    {
        _world.Connect(_inviter.Id, _invitedFrom);
        Invited(_invitedFrom);
        _blocks.EitherBlocksAsync(_inviter.Id, _me.Id, Arg.Any<CancellationToken>()).Returns(true);

        (await Respond(_inviter.Id.ToString(), true)).Messages.ShouldBe([RespondToInviteCommandHandler.NoInvitation]);

        await _invitations.Received(1).TryConsumeAsync(_inviter.Id, _me.Id, Fakes.Now, Arg.Any<CancellationToken>());
        await _world.Sessions.DidNotReceiveWithAnyArgs().TryStartInvitedAsync(default!, default, default);
        _world.Deliveries.Sent.ShouldBeEmpty();
    }

    [Fact]
    public async Task Handle_Accepting_WhenTheInvitingConnectionIsGone_BindsTheInvitersNewest()
    {
        var newest = _world.Connect(_inviter.Id, Fakes.Connection(8, node: "c"));
        Invited(_invitedFrom);

        await Respond(_inviter.Id.ToString(), true);

        _started.ShouldNotBeNull().InitiatorConnection.ShouldBe(newest);
    }

    [Fact]
    public async Task Handle_Accepting_WhenTheInviterHasNoConnection_StartsTheirSideHeldByNobody()
    {
        Invited(_invitedFrom);

        await Respond(_inviter.Id.ToString(), true);

        _started.ShouldNotBeNull().InitiatorConnection.ShouldBeNull();
        _world.Deliveries.Sent.ShouldHaveSingleItem().Connection.ShouldBe(_myConnection);
    }

    [Fact]
    public async Task Handle_Accepting_IsRefusedWhenEitherUserIsAlreadyInASession()
    {
        _world.Connect(_inviter.Id, _invitedFrom);
        Invited(_invitedFrom);
        _world.Sessions.TryStartInvitedAsync(default!, default, default).ReturnsForAnyArgs(false);

        (await Respond(_inviter.Id.ToString(), true)).Messages.ShouldBe([new InviteErrorMessage("Already in a session")]);
        _world.Deliveries.Sent.ShouldBeEmpty();
    }
}
