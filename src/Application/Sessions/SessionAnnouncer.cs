using Microsoft.Extensions.Logging;
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
public sealed class SessionAnnouncer(IUserRepository users, IRealtimeNotifier notifier, ILogger<SessionAnnouncer> logger)
{
    public async Task AnnounceAsync(IReadOnlyList<SessionStart> started, CancellationToken ct)
    {
        if (started.Count == 0) return;
        var people = (await users.GetManyAsync(started.SelectMany(s => new[] { s.Session.User1Id, s.Session.User2Id }).ToHashSet(), ct))
            .ToDictionary(u => u.Id);

        foreach (var start in started)
        {
            var session = start.Session;
            if (!people.TryGetValue(session.User1Id, out var initiator) || !people.TryGetValue(session.User2Id, out var callee))
            {
                logger.LogWarning("Session {SessionId}: a participant no longer exists; no notification", session.Id);
                continue;
            }

            await SendMatchedAsync(session, callee, initiator, start.CalleeConnection, start.InitiatorConnection);
            await SendMatchedAsync(session, initiator, callee, start.InitiatorConnection, start.CalleeConnection);
        }
    }

    /// <summary><c>matched</c> for <paramref name="to"/> about <paramref name="partner"/>, binding the connection (no-op without one).</summary>
    public ValueTask<bool> SendMatchedAsync(Session session, User to, User partner, ConnectionRef? connection, ConnectionRef? partnerConnection) =>
        connection is { } target
            ? notifier.SendToConnectionAsync(target, Matched(session, to.Id, partner),
                new BindingChange.Bind(new SessionBinding(session.Id, to.Id, partner.Id, partnerConnection)))
            : ValueTask.FromResult(false);

    public static MatchedMessage Matched(Session session, Guid to, User partner) =>
        new(new MatchedData(partner.Id, partner.Username, partner.CurrentLevel, session.RoomId, session.Id, IsInitiator: session.User1Id == to));
}
