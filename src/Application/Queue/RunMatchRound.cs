using MediatR;
using Microsoft.Extensions.Options;
using Speaking.Application.Common;
using Speaking.Application.Realtime;
using Speaking.Application.Sessions;
using Speaking.Domain.Matchmaking;
using Speaking.Domain.Sessions;

namespace Speaking.Application.Queue;

public sealed record MatchRoundReport(int Tickets, int Proposed, int Committed);

/// <summary>
/// One matchmaking round: read the active tickets, pair them with <see cref="Pairing"/> (users in a session or, by
/// default, without a live connection anywhere keep waiting), start the sessions set-based in one transaction, and
/// only then (D-31) send <c>matched</c> to the connection each call belongs to: the one that sent join_queue while it
/// is alive, else the user's newest (a REST join).
/// </summary>
public sealed record RunMatchRoundCommand : IRequest<MatchRoundReport>;

public sealed class RunMatchRoundCommandHandler(IQueueRepository queue, ISessionRepository sessions, IPresence presence,
    SessionAnnouncer announcer, IClock clock, IOptions<MatchmakingOptions> options, IOptions<RealtimeOptions> realtime)
    : IRequestHandler<RunMatchRoundCommand, MatchRoundReport>
{
    public async Task<MatchRoundReport> Handle(RunMatchRoundCommand request, CancellationToken cancellationToken)
    {
        var waiting = await queue.ListActiveAsync(cancellationToken);
        if (waiting.Count < 2) return new MatchRoundReport(waiting.Count, 0, 0);

        var busy = await sessions.UsersInActiveSessionsAsync(cancellationToken);
        var online = await presence.OnlineAmongAsync(waiting.Select(w => w.Ticket.UserId).ToHashSet());
        var requireConnection = options.Value.MatchRequiresConnection;
        var result = Pairing.Pair(waiting.Select(w => w.Ticket), user => !busy.Contains(user) && (!requireConnection || online.Contains(user)));
        if (result.Pairs.Count == 0) return new MatchRoundReport(waiting.Count, 0, 0);

        var connections = waiting.ToDictionary(w => w.Ticket.Id, w => w.Connection);
        var now = clock.UtcNow;
        var proposed = new List<SessionStart>(result.Pairs.Count);
        foreach (var pair in result.Pairs)
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
