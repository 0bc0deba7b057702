using Microsoft.Extensions.Logging;
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
/// old one cannot simply be ICE-restarted. The callee is told first, so it holds its match before the offer arrives.
/// A session that cannot be resumed (the partner's account is gone) is ended at once instead.
/// </summary>
public sealed class SessionResumption(ISessionRepository sessions, IUserRepository users, IRealtimeNotifier notifier, SessionAnnouncer announcer,
    IClock clock, ILogger<SessionResumption> logger)
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
        if (side.IsInitiator) await RestartPartnerAsync(side, connection, theirs);
        await announcer.SendMatchedAsync(session, me.Id, mine, connection, side.PartnerConnection);
        if (!side.IsInitiator) await RestartPartnerAsync(side, connection, theirs);
        logger.LogDebug("Session {SessionId}: user {UserId} resumed on connection {Connection}", session.Id, side.UserId, connection);
        return true;
    }

    private async Task RestartPartnerAsync(Participation side, ConnectionRef connection, MatchedMessage theirs)
    {
        if (side.PartnerConnection is not { } partnerConnection) return; // the partner is away too; their own resume restarts us
        var session = side.Session;
        await notifier.SendToConnectionAsync(partnerConnection, SessionEndedMessage.For(session.Id), new BindingChange.Unbind(session.Id));
        await announcer.SendMatchedAsync(session, side.PartnerId, theirs, partnerConnection, connection);
    }
}
