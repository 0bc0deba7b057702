using MediatR;
using Microsoft.Extensions.Options;
using Speaking.Application.Common;
using Speaking.Application.Queue;
using Speaking.Application.Sessions;
using Speaking.Application.Users;

namespace Speaking.Application.Realtime;

/// <summary>
/// Brings the database in line with who is really connected (presence), whatever was missed on the way: a node that
/// crashed or was killed, a disconnect that happened while the database was down, a restart. Sessions held by
/// connections that no longer exist get the reconnect grace (or move to the user's live connection); users marked
/// online with no live connection go offline and leave the queue. Every step acts only on state that presence says
/// is dead, so running it on a live cluster never touches a live user or session. At start-up it also closes the
/// tickets of users with no live connection (amendment A-3).
/// </summary>
public sealed record ReconcilePresenceCommand(bool AtStartup = false) : IRequest<ReconcileReport>;

public sealed record ReconcileReport(int SessionsDetached, int UsersOffline, int DeadlinesStarted);

public sealed class ReconcilePresenceCommandHandler(ISessionRepository sessions, IUserRepository users, IQueueRepository queue,
    IPresence presence, IMediator mediator, IClock clock, IOptions<RealtimeOptions> options)
    : IRequestHandler<ReconcilePresenceCommand, ReconcileReport>
{
    public async Task<ReconcileReport> Handle(ReconcilePresenceCommand request, CancellationToken cancellationToken)
    {
        var snapshot = clock.UtcNow;

        var detached = 0;
        foreach (var (userId, connection) in (await sessions.ListBoundAsync(cancellationToken)).Distinct())
        {
            if (await presence.IsLiveAsync(connection, userId)) continue;
            await mediator.Send(new ConnectionClosedCommand(userId, connection, WasLast: false), cancellationToken);
            detached++;
        }

        var deadlines = await sessions.StartMissingDeadlinesAsync(clock.UtcNow + options.Value.ReconnectGrace, cancellationToken);

        var markedOnline = await users.ListOnlineIdsAsync(cancellationToken);
        var live = await presence.OnlineAmongAsync(markedOnline);
        var gone = markedOnline.Where(id => !live.Contains(id)).ToArray();
        var offline = gone.Length == 0 ? [] : await users.SetOfflineUnlessSeenSinceAsync(gone, snapshot, clock.UtcNow, cancellationToken);
        foreach (var user in offline) await queue.LeaveAsync(user, cancellationToken);

        if (request.AtStartup)
        {
            foreach (var ticket in await queue.ListActiveAsync(cancellationToken))
            {
                if (!live.Contains(ticket.Ticket.UserId) && !await presence.IsOnlineAsync(ticket.Ticket.UserId))
                    await queue.LeaveAsync(ticket.Ticket.UserId, cancellationToken);
            }
        }

        return new ReconcileReport(detached, offline.Count, deadlines);
    }
}
