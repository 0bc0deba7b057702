using MediatR;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Speaking.Application.Common;
using Speaking.Application.Practice;
using Speaking.Application.Realtime;
using Speaking.Application.Users;
using Speaking.Domain.Matchmaking;
using Speaking.Domain.Sessions;

namespace Speaking.Application.Queue;

public sealed record MatchRoundReport(int Tickets, int Proposed, int Committed);

/// <summary>
/// One matchmaking round: read the active tickets, pair them with <see cref="Pairing"/>, commit the sessions in one
/// transaction, and only then (D-31) send <c>matched</c>: the callee first, then the initiator, so the callee has
/// its match before the initiator's offer can arrive.
/// </summary>
public sealed record RunMatchRoundCommand : IRequest<MatchRoundReport>;

public sealed class RunMatchRoundCommandHandler(IQueueRepository queue, ISessionRepository sessions, IUserRepository users,
    IPresence presence, IRealtimeNotifier notifier, IClock clock, IOptions<MatchmakingOptions> options, IEffectiveLevel levels,
    PracticeAssignment practice, ILogger<RunMatchRoundCommandHandler> logger) : IRequestHandler<RunMatchRoundCommand, MatchRoundReport>
{
    public async Task<MatchRoundReport> Handle(RunMatchRoundCommand request, CancellationToken cancellationToken)
    {
        var tickets = await queue.ListActiveAsync(cancellationToken);
        if (tickets.Count < 2) return new MatchRoundReport(tickets.Count, 0, 0);

        var busy = await sessions.UsersInActiveSessionsAsync(cancellationToken);
        var requireConnection = options.Value.MatchRequiresConnection;
        var result = Pairing.Pair(tickets, user => !busy.Contains(user) && (!requireConnection || presence.IsConnected(user)));
        if (result.Pairs.Count == 0) return new MatchRoundReport(tickets.Count, 0, 0);

        var now = clock.UtcNow;
        var proposed = result.Pairs
            .Select(pair => (pair, Session.Start(Guid.NewGuid(), pair.Initiator.UserId, pair.Callee.UserId, pair.Mode,
                Session.NewRoomId(Guid.NewGuid()), now)))
            .ToArray();
        var committed = await sessions.CommitMatchesAsync(proposed, cancellationToken);

        await MatchNotifier.NotifyAsync(committed, users, notifier, levels, practice, logger, cancellationToken);
        return new MatchRoundReport(tickets.Count, proposed.Length, committed.Count);
    }
}

/// <summary>
/// Sends <c>matched</c> for committed sessions, callee first, with the partner's name and level as they are now
/// (the level LEVEL_SOURCE says) and the pair's practice card.
/// </summary>
internal static class MatchNotifier
{
    public static async Task NotifyAsync(IReadOnlyList<Session> sessions, IUserRepository users, IRealtimeNotifier notifier,
        IEffectiveLevel levels, PracticeAssignment practice, ILogger logger, CancellationToken ct)
    {
        if (sessions.Count == 0) return;
        var people = (await users.GetManyAsync(sessions.SelectMany(s => new[] { s.User1Id, s.User2Id }).ToHashSet(), ct))
            .ToDictionary(u => u.Id);
        var level = await levels.OfAsync(people.Values, ct);
        var cards = await practice.AssignAsync(sessions, ct);

        foreach (var session in sessions)
        {
            if (!people.TryGetValue(session.User1Id, out var initiator) || !people.TryGetValue(session.User2Id, out var callee))
            {
                logger.LogWarning("Session {SessionId}: a participant no longer exists; no notification", session.Id);
                continue;
            }

            var card = cards.GetValueOrDefault(session.Id);
            await notifier.SendAsync(callee.Id, new MatchedMessage(new MatchedData(initiator.Id, initiator.Username,
                level[initiator.Id], session.RoomId, session.Id, IsInitiator: false) { Practice = card }));
            await notifier.SendAsync(initiator.Id, new MatchedMessage(new MatchedData(callee.Id, callee.Username,
                level[callee.Id], session.RoomId, session.Id, IsInitiator: true) { Practice = card }));
        }
    }
}
