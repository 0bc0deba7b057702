using MediatR;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Speaking.Application.Common;
using Speaking.Application.Realtime;
using Speaking.Application.Realtime.Wire;
using Speaking.Application.Users;
using Speaking.Domain.Sessions;

namespace Speaking.Application.Sessions;

/// <summary>
/// Amendment A-2: a side whose connection went away (a reload, a dropped network, a node that died) takes its
/// session over on a new connection, and the call restarts on both sides. The new connection gets <c>matched</c> again
/// (same session, room, partner and role); the partner gets <c>session_ended</c> then <c>matched</c>, which remounts
/// the frontend's call screen so that the initiator offers anew — the reloaded page has a new peer connection, so the
/// old one cannot simply be ICE-restarted. The callee always holds its match before the initiator's new offer is sent:
/// when the partner is the callee it is restarted first; when the callee is the one coming back, the partner (the
/// initiator, who offers as soon as its call screen remounts) is restarted only after <see cref="RealtimeOptions.CalleeResumeHeadStart"/>,
/// because a reloaded page takes a moment to mount its call screen, and an offer that arrives before it is lost (the
/// frontend has no "ready" message). A session that cannot be resumed (the partner's account is gone) is ended at once
/// instead.
/// </summary>
public sealed class SessionResumption(ISessionRepository sessions, IUserRepository users, IRealtimeNotifier notifier, SessionAnnouncer announcer,
    IDeferredCommands deferred, IClock clock, IOptions<RealtimeOptions> options, ILogger<SessionResumption> logger)
{
    /// <summary>Moves <paramref name="side"/> onto <paramref name="connection"/>; false when the session was taken or ended meanwhile.</summary>
    public async Task<bool> ResumeAsync(Participation side, ConnectionRef connection, CancellationToken ct)
    {
        var session = side.Session;
        if (!await sessions.TryBindAsync(session.Id, side.UserId, connection, side.Connection, ct)) return false;

        var people = (await users.GetManyAsync([side.UserId, side.PartnerId], ct)).ToDictionary(u => u.Id);
        if (!people.TryGetValue(side.UserId, out var me) || !people.TryGetValue(side.PartnerId, out var partner))
        {
            if (session.Cancel(clock.UtcNow, SessionEndReason.ResumeFailed) && await sessions.SaveEndAsync(session, ct) is { } ended
                && ended.ConnectionOf(side.PartnerId) is { } partnerConnection)
                await notifier.SendToConnectionAsync(partnerConnection, SessionEndedMessage.For(session.Id), new BindingChange.Unbind(session.Id));
            logger.LogWarning("Session {SessionId} could not be resumed: a participant no longer exists", session.Id);
            return false;
        }

        var (mine, theirs) = await announcer.RematchAsync(session, me, partner, ct);
        if (side.IsInitiator) await RestartPartnerAsync(session, side.PartnerId, side.PartnerConnection, connection, theirs);
        await announcer.SendMatchedAsync(session, me.Id, mine, connection, side.PartnerConnection);
        if (!side.IsInitiator && side.PartnerConnection is { } initiatorConnection)
        {
            var restart = new RestartResumedPartnerCommand(session, side.UserId, connection, side.PartnerId, initiatorConnection, theirs);
            if (options.Value.CalleeResumeHeadStart > TimeSpan.Zero) deferred.Schedule(restart, options.Value.CalleeResumeHeadStart);
            else await RestartPartnerAsync(session, side.PartnerId, initiatorConnection, connection, theirs);
        }

        logger.LogDebug("Session {SessionId}: user {UserId} resumed on connection {Connection}", session.Id, side.UserId, connection);
        return true;
    }

    /// <summary>The partner's call screen restarts: session_ended, then matched bound to the resumed side's connection.</summary>
    internal async Task RestartPartnerAsync(Session session, Guid partnerId, ConnectionRef? partnerConnection, ConnectionRef resumed, MatchedMessage theirs)
    {
        if (partnerConnection is not { } live) return; // the partner is away too; their own resume restarts us
        await notifier.SendToConnectionAsync(live, SessionEndedMessage.For(session.Id), new BindingChange.Unbind(session.Id));
        await announcer.SendMatchedAsync(session, partnerId, theirs, live, resumed);
    }
}

/// <summary>
/// The deferred half of a callee's resume: restarts the partner's call, unless meanwhile the session ended, the callee's
/// new connection went away, or the partner's own connection changed (then that connection's resume restarted the call).
/// </summary>
public sealed record RestartResumedPartnerCommand(Session Session, Guid ResumedUserId, ConnectionRef ResumedConnection, Guid PartnerId,
    ConnectionRef PartnerConnection, MatchedMessage PartnerMatched) : IRequest<Unit>;

public sealed class RestartResumedPartnerCommandHandler(ISessionRepository sessions, SessionResumption resumption)
    : IRequestHandler<RestartResumedPartnerCommand, Unit>
{
    public async Task<Unit> Handle(RestartResumedPartnerCommand request, CancellationToken cancellationToken)
    {
        if (await sessions.FindActiveForUserAsync(request.PartnerId, cancellationToken) is { } partner
            && partner.Session.Id == request.Session.Id && partner.Connection == request.PartnerConnection
            && partner.PartnerConnection == request.ResumedConnection)
            await resumption.RestartPartnerAsync(request.Session, request.PartnerId, request.PartnerConnection, request.ResumedConnection,
                request.PartnerMatched);
        return Unit.Value;
    }
}
