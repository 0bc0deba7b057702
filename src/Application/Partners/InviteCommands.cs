using MediatR;
using Microsoft.Extensions.Logging;
using Speaking.Application.Common;
using Speaking.Application.Practice;
using Speaking.Application.Queue;
using Speaking.Application.Realtime;
using Speaking.Application.Users;
using Speaking.Domain.Common;
using Speaking.Domain.Partners;
using Speaking.Domain.Sessions;

namespace Speaking.Application.Partners;

/// <summary>
/// invite_partner (D-4): only to an existing partner other than oneself, only when online. The invitation is
/// recorded as pending for 60 s (a newer one from the same inviter replaces it).
/// </summary>
public sealed record InvitePartnerCommand(Guid FromUserId, string? PartnerUserId) : IRequest<SocketReply>;

public sealed class InvitePartnerCommandHandler(IPartnerRepository partners, IUserRepository users, IPresence presence,
    IRealtimeNotifier notifier, InvitationBook invitations, IClock clock) : IRequestHandler<InvitePartnerCommand, SocketReply>
{
    public static readonly ErrorMessage PartnerRequired = new("partner_user_id required");

    public async Task<SocketReply> Handle(InvitePartnerCommand request, CancellationToken cancellationToken)
    {
        var raw = request.PartnerUserId?.Trim();
        if (string.IsNullOrEmpty(raw)) return PartnerRequired;
        if (!Guid.TryParse(raw, out var target) || target == request.FromUserId
            || !await partners.ArePartnersAsync(request.FromUserId, target, cancellationToken))
            return new InviteErrorMessage(PartnerErrors.NotYourPartner);
        if (!presence.IsConnected(target)) return new InviteErrorMessage(PartnerErrors.PartnerOffline);

        var inviter = await users.GetAsync(request.FromUserId, cancellationToken);
        if (inviter is null) return ErrorMessage.InvalidMessage;

        var now = clock.UtcNow;
        invitations.Record(inviter.Id, target, now);
        var delivered = await notifier.SendAsync(target,
            new PartnerInviteMessage(inviter.Id, inviter.Username, inviter.CurrentLevel, ServerMessage.FormatTime(now)));
        if (delivered) return new InviteSentMessage(PartnerErrors.InviteSent);
        invitations.TryConsume(inviter.Id, target, now); // an invitation that never arrived cannot be accepted
        return new InviteErrorMessage(PartnerErrors.InviteDeliveryFailed);
    }
}

/// <summary>
/// invite_response (D-5): only answers a pending, unexpired invitation from that inviter, and consumes it. Only a
/// JSON <c>true</c> accepts. Acceptance starts a session (inviter = initiator, mode roulette), takes both users out
/// of the queues (D-17), refuses when either is already in a call, and after the commit sends <c>matched</c>,
/// callee first.
/// </summary>
public sealed record RespondToInviteCommand(Guid ResponderId, string? InviterUserId, bool Accepted) : IRequest<SocketReply>;

public sealed class RespondToInviteCommandHandler(ISessionRepository sessions, IUserRepository users, IRealtimeNotifier notifier,
    InvitationBook invitations, IClock clock, IEffectiveLevel levels, PracticeAssignment practice, ILogger<RespondToInviteCommandHandler> logger)
    : IRequestHandler<RespondToInviteCommand, SocketReply>
{
    public static readonly InviteErrorMessage NoInvitation = new(PartnerErrors.NoPendingInvitation);
    public static readonly InviteErrorMessage AlreadyInSession = new("Already in a session");

    public async Task<SocketReply> Handle(RespondToInviteCommand request, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.InviterUserId)) return SocketReply.None;
        var now = clock.UtcNow;
        if (!Guid.TryParse(request.InviterUserId.Trim(), out var inviter) || !invitations.TryConsume(inviter, request.ResponderId, now))
            return NoInvitation;

        if (!request.Accepted)
        {
            await notifier.SendAsync(inviter, new InviteRejectedMessage(PartnerErrors.InviteDeclined));
            return SocketReply.None;
        }

        var session = Session.Start(Guid.NewGuid(), inviter, request.ResponderId, QueueMode.Roulette,
            Session.NewRoomId(Guid.NewGuid()), now);
        if (!await sessions.TryStartInvitedAsync(session, cancellationToken)) return AlreadyInSession;

        await MatchNotifier.NotifyAsync([session], users, notifier, levels, practice, logger, cancellationToken);
        return SocketReply.None;
    }
}
