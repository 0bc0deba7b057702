using MediatR;
using Microsoft.Extensions.Options;
using Speaking.Application.Common;
using Speaking.Application.Realtime;
using Speaking.Application.Realtime.Wire;
using Speaking.Application.Safety;
using Speaking.Application.Sessions;
using Speaking.Application.Users;
using Speaking.Domain.Common;
using Speaking.Domain.Partners;
using Speaking.Domain.Safety;
using Speaking.Domain.Sessions;

namespace Speaking.Application.Partners;

/// <summary>
/// invite_partner (D-4): only to an existing partner other than oneself, only when online. The invitation is
/// stored as pending for 60 s (a newer one from the same inviter replaces it), with the connection that sent it:
/// if it is accepted, the call belongs to that connection. A-5: never between users who block each other
/// (answered as to a non-partner: a block ends the partnership, and the blocked user learns nothing more), never from
/// a suspended user (told until when) and never to one.
/// </summary>
public sealed record InvitePartnerCommand(Guid FromUserId, ConnectionRef Connection, string? PartnerUserId) : IRequest<SocketReply>;

public sealed class InvitePartnerCommandHandler(IPartnerRepository partners, IUserRepository users, IPresence presence,
    IRealtimeNotifier notifier, IInvitationRepository invitations, IBlockRepository blocks, IClock clock) : IRequestHandler<InvitePartnerCommand, SocketReply>
{
    public async Task<SocketReply> Handle(InvitePartnerCommand request, CancellationToken cancellationToken)
    {
        var raw = request.PartnerUserId?.Trim();
        if (string.IsNullOrEmpty(raw)) return ErrorMessage.PartnerRequired;
        if (!Guid.TryParse(raw, out var target) || target == request.FromUserId
            || !await partners.ArePartnersAsync(request.FromUserId, target, cancellationToken)
            || await blocks.EitherBlocksAsync(request.FromUserId, target, cancellationToken))
            return new InviteErrorMessage(PartnerErrors.NotYourPartner);

        var inviter = await users.GetAsync(request.FromUserId, cancellationToken);
        if (inviter is null) return ErrorMessage.InvalidMessage;
        var now = clock.UtcNow;
        if (inviter.IsSuspendedAt(now)) return new InviteErrorMessage(SafetyErrors.Suspended(inviter.SuspendedUntil!.Value).Detail);
        if (!await presence.IsOnlineAsync(target)) return new InviteErrorMessage(PartnerErrors.PartnerOffline);
        if ((await users.GetAsync(target, cancellationToken))?.IsSuspendedAt(now) != false)
            return new InviteErrorMessage(SafetyErrors.InviteeUnavailable);

        await invitations.RecordAsync(new Invitation(inviter.Id, target, request.Connection, now + Invitation.Lifetime), cancellationToken);
        var delivered = await notifier.SendToUserAsync(target,
            new PartnerInviteMessage(inviter.Id, inviter.Username, inviter.CurrentLevel, ServerMessage.FormatTime(now)));
        if (delivered) return new InviteSentMessage(PartnerErrors.InviteSent);
        await invitations.TryConsumeAsync(inviter.Id, target, now, cancellationToken); // an invitation that never arrived cannot be accepted
        return new InviteErrorMessage(PartnerErrors.InviteDeliveryFailed);
    }
}

/// <summary>
/// invite_response (D-5): only answers a pending, unexpired invitation from that inviter, and consumes it. Only a
/// JSON <c>true</c> accepts. Acceptance starts a session (inviter = initiator, mode roulette) that belongs to the
/// responder's connection and to the inviter's inviting connection (or newest, or none: then the inviter's side
/// starts in its reconnect grace), takes both users out of the queues (D-17), refuses when either is already in a
/// call, and after the commit sends <c>matched</c>, callee first. A-5: a block stored since the invitation was sent
/// (a block also deletes it) leaves nothing to accept, and a user suspended since cannot start the call.
/// </summary>
public sealed record RespondToInviteCommand(Guid ResponderId, ConnectionRef Connection, string? InviterUserId, bool Accepted) : IRequest<SocketReply>;

public sealed class RespondToInviteCommandHandler(ISessionRepository sessions, IInvitationRepository invitations, IPresence presence,
    IRealtimeNotifier notifier, SessionAnnouncer announcer, IBlockRepository blocks, IUserRepository users, IClock clock,
    IOptions<RealtimeOptions> options)
    : IRequestHandler<RespondToInviteCommand, SocketReply>
{
    public static readonly InviteErrorMessage NoInvitation = new(PartnerErrors.NoPendingInvitation);
    public static readonly InviteErrorMessage AlreadyInSession = new("Already in a session");

    public async Task<SocketReply> Handle(RespondToInviteCommand request, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.InviterUserId)) return SocketReply.None;
        var now = clock.UtcNow;
        if (!Guid.TryParse(request.InviterUserId.Trim(), out var inviter)
            || await invitations.TryConsumeAsync(inviter, request.ResponderId, now, cancellationToken) is not { } invitation)
            return NoInvitation;

        if (!request.Accepted)
        {
            await notifier.SendToUserAsync(inviter, new InviteRejectedMessage(PartnerErrors.InviteDeclined));
            return SocketReply.None;
        }

        if (await blocks.EitherBlocksAsync(inviter, request.ResponderId, cancellationToken)) return NoInvitation;
        var pair = await users.GetManyAsync([inviter, request.ResponderId], cancellationToken);
        if (pair.FirstOrDefault(u => u.Id == request.ResponderId) is { } responder && responder.IsSuspendedAt(now))
            return new InviteErrorMessage(SafetyErrors.Suspended(responder.SuspendedUntil!.Value).Detail);
        if (pair.Any(u => u.Id == inviter && u.IsSuspendedAt(now))) return NoInvitation;

        var session = Session.Start(Guid.NewGuid(), inviter, request.ResponderId, QueueMode.Roulette, Session.NewRoomId(Guid.NewGuid()), now);
        var inviterConnection = invitation.InviterConnection is { } sent && await presence.IsLiveAsync(sent, inviter)
            ? sent
            : (await presence.NewestAsync(inviter))?.Connection;
        var start = new SessionStart(session, inviterConnection, request.Connection);
        if (!await sessions.TryStartInvitedAsync(start, now + options.Value.ReconnectGrace, cancellationToken)) return AlreadyInSession;

        await announcer.AnnounceAsync([start], cancellationToken);
        return SocketReply.None;
    }
}
