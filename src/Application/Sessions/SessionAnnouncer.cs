using Microsoft.Extensions.Logging;
using Speaking.Application.Practice;
using Speaking.Application.Realtime;
using Speaking.Application.Realtime.Wire;
using Speaking.Application.Users;
using Speaking.Domain.Sessions;
using Speaking.Domain.Users;

namespace Speaking.Application.Sessions;

/// <summary>
/// Tells both sides that their session started: <c>matched</c> on the connection each call belongs to, which
/// binds that connection to the session, after the commit (D-31) and the callee first (contract 4.9), so the callee
/// holds its match before the initiator's offer can arrive. Names and levels are the partners' as they are now.
/// </summary>
public sealed class SessionAnnouncer(IUserRepository users, IRealtimeNotifier notifier, IEffectiveLevel levels, PracticeAssignment practice,
    ILogger<SessionAnnouncer> logger)
{
    public async Task AnnounceAsync(IReadOnlyList<SessionStart> started, CancellationToken ct)
    {
        if (started.Count == 0) return;
        var people = (await users.GetManyAsync(started.SelectMany(s => new[] { s.Session.User1Id, s.Session.User2Id }).ToHashSet(), ct))
            .ToDictionary(u => u.Id);
        var level = await levels.OfAsync(people.Values, ct);
        var cards = await practice.AssignAsync(started.Select(s => s.Session).ToArray(), ct);

        foreach (var start in started)
        {
            var session = start.Session;
            if (!people.TryGetValue(session.User1Id, out var initiator) || !people.TryGetValue(session.User2Id, out var callee))
            {
                logger.LogWarning("Session {SessionId}: a participant no longer exists; no notification", session.Id);
                continue;
            }

            var card = cards.GetValueOrDefault(session.Id);
            await SendMatchedAsync(session, callee.Id, Matched(session, callee.Id, initiator, level[initiator.Id], card),
                start.CalleeConnection, start.InitiatorConnection);
            await SendMatchedAsync(session, initiator.Id, Matched(session, initiator.Id, callee, level[callee.Id], card),
                start.InitiatorConnection, start.CalleeConnection);
        }
    }

    /// <summary>The <c>matched</c> a resumed session sends again: same session, room, partner and role, the same card.</summary>
    public async Task<(MatchedMessage ForUser, MatchedMessage ForPartner)> RematchAsync(Session session, User user, User partner, CancellationToken ct)
    {
        var level = await levels.OfAsync([user, partner], ct);
        var card = await practice.ForSessionAsync(session, ct);
        return (Matched(session, user.Id, partner, level[partner.Id], card), Matched(session, partner.Id, user, level[user.Id], card));
    }

    /// <summary>Sends <paramref name="matched"/> on <paramref name="connection"/> and binds it to the session (no-op without one).</summary>
    public ValueTask<bool> SendMatchedAsync(Session session, Guid to, MatchedMessage matched, ConnectionRef? connection, ConnectionRef? partnerConnection) =>
        connection is { } target
            ? notifier.SendToConnectionAsync(target, matched,
                new BindingChange.Bind(new SessionBinding(session.Id, to, session.PartnerOf(to), partnerConnection)))
            : ValueTask.FromResult(false);

    /// <summary><c>matched</c> for <paramref name="to"/> about <paramref name="partner"/> (level as LEVEL_SOURCE says; the pair's card, A-4).</summary>
    public static MatchedMessage Matched(Session session, Guid to, User partner, double partnerLevel, PracticePayload? card) =>
        new(new MatchedData(partner.Id, partner.Username, partnerLevel, session.RoomId, session.Id, IsInitiator: session.User1Id == to) { Practice = card });
}
