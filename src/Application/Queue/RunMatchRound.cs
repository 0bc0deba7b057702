using System.Collections.Frozen;
using MediatR;
using Microsoft.Extensions.Options;
using Speaking.Application.Common;
using Speaking.Application.Realtime;
using Speaking.Application.Safety;
using Speaking.Application.Sessions;
using Speaking.Domain.Matchmaking;
using Speaking.Domain.Sessions;

namespace Speaking.Application.Queue;

public sealed record MatchRoundReport(int Tickets, int Proposed, int Committed);

/// <summary>
/// One matchmaking round: read the active tickets and what the rules need about their users (sessions, presence,
/// suspensions, blocks, and the pairs who had a session within REPEAT_PARTNER_COOLDOWN_MINUTES), pair them with one
/// <see cref="Pairing.Pair(IReadOnlyList{QueueTicket}, PairingRules)"/> (users in a session, suspended users, and by
/// default users without a live connection anywhere keep waiting; blocked pairs are never paired, A-5; roulette pairs
/// recent partners only as a last resort; widening tickets widen after LEVEL_WIDEN_AFTER_SECONDS), start the sessions
/// set-based in one transaction (which re-reads the blocks under the users' row locks), and only then (D-31) send
/// <c>matched</c> to the connection each call belongs to: the one that sent join_queue while it is alive, else the
/// user's newest (a REST join).
/// </summary>
public sealed record RunMatchRoundCommand : IRequest<MatchRoundReport>;

public sealed class RunMatchRoundCommandHandler(IQueueRepository queue, ISessionRepository sessions, IPresence presence,
    IMatchRestrictions restrictions, SessionAnnouncer announcer, IClock clock, IOptions<MatchmakingOptions> options,
    IOptions<RealtimeOptions> realtime)
    : IRequestHandler<RunMatchRoundCommand, MatchRoundReport>
{
    public async Task<MatchRoundReport> Handle(RunMatchRoundCommand request, CancellationToken cancellationToken)
    {
        var waiting = await queue.ListActiveAsync(cancellationToken);
        if (waiting.Count < 2) return new MatchRoundReport(waiting.Count, 0, 0);

        var now = clock.UtcNow;
        var tickets = waiting.Select(w => w.Ticket).ToArray();
        var users = tickets.Select(t => t.UserId).ToHashSet();
        var busy = await sessions.UsersInActiveSessionsAsync(cancellationToken);
        var online = await presence.OnlineAmongAsync(users);
        var matchmaking = options.Value;
        var requireConnection = matchmaking.MatchRequiresConnection;
        var cooldown = TimeSpan.FromMinutes(matchmaking.RepeatPartnerCooldownMinutes);
        var rules = new PairingRules(now)
        {
            IsEligible = user => !busy.Contains(user) && (!requireConnection || online.Contains(user)),
            Suspended = await restrictions.SuspendedAmongAsync(users, now, cancellationToken),
            Blocked = await restrictions.BlockedPairsAmongAsync(users, cancellationToken),
            RecentPairs = cooldown > TimeSpan.Zero
                ? await restrictions.RecentPairsAmongAsync(users, now - cooldown, cancellationToken)
                : FrozenSet<UserPair>.Empty,
            LevelWidenAfter = TimeSpan.FromSeconds(matchmaking.LevelWidenAfterSeconds),
        };
        var pairs = Pairing.Pair(tickets, rules).Pairs;
        if (pairs.Count == 0) return new MatchRoundReport(waiting.Count, 0, 0);

        var connections = waiting.ToDictionary(w => w.Ticket.Id, w => w.Connection);
        var proposed = new List<SessionStart>(pairs.Count);
        foreach (var pair in pairs)
        {
            var session = Session.Start(Guid.NewGuid(), pair.Initiator.UserId, pair.Callee.UserId, pair.Mode, Session.NewRoomId(Guid.NewGuid()), now);
            proposed.Add(new SessionStart(session,
                await CallConnectionAsync(pair.Initiator.UserId, connections[pair.Initiator.Id]),
                await CallConnectionAsync(pair.Callee.UserId, connections[pair.Callee.Id]),
                pair.Initiator.Id, pair.Callee.Id));
        }

        var started = await sessions.StartMatchedAsync(proposed, now + realtime.Value.ReconnectGrace, cancellationToken);
        await announcer.AnnounceAsync(started, cancellationToken);
        return new MatchRoundReport(waiting.Count, proposed.Count, started.Count);
    }

    /// <summary>The connection that queued, while it lives; otherwise the user's newest (REST joins have none); null if none is live.</summary>
    private async Task<ConnectionRef?> CallConnectionAsync(Guid userId, ConnectionRef? queuedFrom)
    {
        if (queuedFrom is { } connection && await presence.IsLiveAsync(connection, userId)) return connection;
        return (await presence.NewestAsync(userId))?.Connection;
    }
}
