using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using Speaking.Application.Partners;
using Speaking.Application.Queue;
using Speaking.Application.Realtime;
using Speaking.Application.Users;
using Speaking.Domain.Common;
using Speaking.Domain.Partners;
using Speaking.Domain.Sessions;
using Speaking.Domain.Users;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Application;

public class InvitePartnerCommandHandlerTests
{
    private readonly IPartnerRepository _partners = Substitute.For<IPartnerRepository>();
    private readonly IUserRepository _users = Substitute.For<IUserRepository>();
    private readonly IPresence _presence = Substitute.For<IPresence>();
    private readonly IRealtimeNotifier _notifier = Substitute.For<IRealtimeNotifier>();
    private readonly InvitationBook _book = new();
    private readonly User _me = Fakes.User(username: "ann", level: 6.5);
    private readonly Guid _partner = Guid.NewGuid();

    public InvitePartnerCommandHandlerTests()
    {
        _users.GetAsync(_me.Id, Arg.Any<CancellationToken>()).Returns(_me);
        _partners.ArePartnersAsync(_me.Id, _partner, Arg.Any<CancellationToken>()).Returns(true);
        _presence.IsConnected(_partner).Returns(true);
        _notifier.SendAsync(Arg.Any<Guid>(), Arg.Any<ServerMessage>()).Returns(true);
    }

    private async Task<ServerMessage> Invite(string? partner) =>
        (await new InvitePartnerCommandHandler(_partners, _users, _presence, _notifier, _book, Fakes.ClockAt(Fakes.Now))
            .Handle(new InvitePartnerCommand(_me.Id, partner), default)).Messages.ShouldHaveSingleItem();

    [Fact]
    public async Task Handle_InvitesAnOnlinePartnerAndRecordsTheInvitation()
    {
        (await Invite($" {_partner} ")).ShouldBe(new InviteSentMessage("Taklif yuborildi!"));

        await _notifier.Received(1).SendAsync(_partner, new PartnerInviteMessage(_me.Id, "ann", 6.5, "2026-02-05T14:03:27.000000Z"));
        _book.TryConsume(_me.Id, _partner, Fakes.Now.AddSeconds(1)).ShouldBeTrue();
    }

    [Fact]
    public async Task Handle_RefusesSomeoneWhoIsNotAPartner()
    {
        var stranger = Guid.NewGuid();
        _presence.IsConnected(stranger).Returns(true);

        (await Invite(stranger.ToString())).ShouldBe(new InviteErrorMessage("Not your partner"));
        _book.Count.ShouldBe(0);
        await _notifier.DidNotReceiveWithAnyArgs().SendAsync(default, default!);
    }

    [Fact]
    public async Task Handle_RefusesInvitingOneself()
    {
        _partners.ArePartnersAsync(Arg.Any<Guid>(), Arg.Any<Guid>(), Arg.Any<CancellationToken>()).Returns(true);
        _presence.IsConnected(_me.Id).Returns(true);

        (await Invite(_me.Id.ToString())).ShouldBe(new InviteErrorMessage(PartnerErrors.NotYourPartner));
        _book.Count.ShouldBe(0);
    }

    [Fact]
    public async Task Handle_RefusesAMalformedIdAsNotAPartner() =>
        (await Invite("not-a-uuid")).ShouldBe(new InviteErrorMessage(PartnerErrors.NotYourPartner));

    [Fact]
    public async Task Handle_TellsTheInviterThatAnOfflinePartnerIsOffline()
    {
        _presence.IsConnected(_partner).Returns(false);

        (await Invite(_partner.ToString())).ShouldBe(new InviteErrorMessage("Sherik hozir online emas"));
        _book.Count.ShouldBe(0);
        await _notifier.DidNotReceiveWithAnyArgs().SendAsync(default, default!);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Handle_RequiresAPartnerId(string? partner) =>
        (await Invite(partner)).ShouldBe(new ErrorMessage("partner_user_id required"));

    [Fact]
    public async Task Handle_ReportsAFailedDelivery()
    {
        _notifier.SendAsync(_partner, Arg.Any<ServerMessage>()).Returns(false);

        (await Invite(_partner.ToString())).ShouldBe(new InviteErrorMessage("Taklif yuborishda xatolik"));
    }
}

public class RespondToInviteCommandHandlerTests
{
    private readonly ISessionRepository _sessions = Substitute.For<ISessionRepository>();
    private readonly IUserRepository _users = Substitute.For<IUserRepository>();
    private readonly IRealtimeNotifier _notifier = Substitute.For<IRealtimeNotifier>();
    private readonly InvitationBook _book = new();
    private readonly User _inviter = Fakes.User(username: "ann", level: 6.0);
    private readonly User _me = Fakes.User(username: "bob", level: 7.0);

    public RespondToInviteCommandHandlerTests()
    {
        _users.GetManyAsync(Arg.Any<IReadOnlyCollection<Guid>>(), Arg.Any<CancellationToken>()).Returns([_inviter, _me]);
        _sessions.TryStartInvitedAsync(Arg.Any<Session>(), Arg.Any<CancellationToken>()).Returns(true);
        _notifier.SendAsync(Arg.Any<Guid>(), Arg.Any<ServerMessage>()).Returns(true);
    }

    private Task<SocketReply> Respond(string? inviter, bool accepted) =>
        new RespondToInviteCommandHandler(_sessions, _users, _notifier, _book, Fakes.ClockAt(Fakes.Now), Fakes.SelfLevels, Fakes.Practice(),
                NullLogger<RespondToInviteCommandHandler>.Instance)
            .Handle(new RespondToInviteCommand(_me.Id, inviter, accepted), default);

    private void Invited() => _book.Record(_inviter.Id, _me.Id, Fakes.Now.AddSeconds(-10));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Handle_WithoutAPendingInvitationAnswersAnError(bool accepted)
    {
        var reply = await Respond(_inviter.Id.ToString(), accepted);

        reply.Messages.ShouldBe([new InviteErrorMessage("No pending invitation from this user")]);
        await _sessions.DidNotReceiveWithAnyArgs().TryStartInvitedAsync(default!, default);
        await _notifier.DidNotReceiveWithAnyArgs().SendAsync(default, default!);
    }

    [Fact]
    public async Task Handle_AnExpiredInvitationCannotBeAccepted()
    {
        _book.Record(_inviter.Id, _me.Id, Fakes.Now.AddSeconds(-61));

        (await Respond(_inviter.Id.ToString(), true)).Messages.ShouldBe([RespondToInviteCommandHandler.NoInvitation]);
    }

    [Fact]
    public async Task Handle_DeclineTellsTheInviterAndConsumesTheInvitation()
    {
        Invited();

        (await Respond(_inviter.Id.ToString(), false)).Messages.ShouldBeEmpty();

        await _notifier.Received(1).SendAsync(_inviter.Id, new InviteRejectedMessage("Taklif rad etildi"));
        await _sessions.DidNotReceiveWithAnyArgs().TryStartInvitedAsync(default!, default);
        _book.Count.ShouldBe(0);
    }

    [Fact]
    public async Task Handle_AcceptStartsARouletteSessionAndNotifiesTheCalleeFirst()
    {
        Invited();

        (await Respond(_inviter.Id.ToString(), true)).Messages.ShouldBeEmpty();

        await _sessions.Received(1).TryStartInvitedAsync(Arg.Is<Session>(s => s.User1Id == _inviter.Id && s.User2Id == _me.Id
            && s.Mode == QueueMode.Roulette && s.IsActive && s.StartedAt == Fakes.Now), Arg.Any<CancellationToken>());
        Received.InOrder(() =>
        {
            _ = _notifier.SendAsync(_me.Id, Arg.Is<MatchedMessage>(m => m.Data.PartnerId == _inviter.Id && !m.Data.IsInitiator
                && m.Data.PartnerUsername == "ann" && m.Data.PartnerLevel == 6.0));
            _ = _notifier.SendAsync(_inviter.Id, Arg.Is<MatchedMessage>(m => m.Data.PartnerId == _me.Id && m.Data.IsInitiator
                && m.Data.PartnerUsername == "bob" && m.Data.PartnerLevel == 7.0));
        });
    }

    [Fact]
    public async Task Handle_AcceptIsRefusedWhenEitherUserIsAlreadyInASession()
    {
        Invited();
        _sessions.TryStartInvitedAsync(Arg.Any<Session>(), Arg.Any<CancellationToken>()).Returns(false);

        (await Respond(_inviter.Id.ToString(), true)).Messages.ShouldBe([RespondToInviteCommandHandler.AlreadyInSession]);
        await _notifier.DidNotReceiveWithAnyArgs().SendAsync(default, default!);
    }

    [Fact]
    public async Task Handle_AnInvitationCanBeAnsweredOnlyOnce()
    {
        Invited();
        await Respond(_inviter.Id.ToString(), true);

        (await Respond(_inviter.Id.ToString(), true)).Messages.ShouldBe([RespondToInviteCommandHandler.NoInvitation]);
        await _sessions.Received(1).TryStartInvitedAsync(Arg.Any<Session>(), Arg.Any<CancellationToken>());
    }

    [Theory]
    [InlineData(null)]
    [InlineData(" ")]
    public async Task Handle_IgnoresAMissingInviter(string? inviter)
    {
        Invited();

        (await Respond(inviter, true)).Messages.ShouldBeEmpty();
        _book.Count.ShouldBe(1);
    }
}
