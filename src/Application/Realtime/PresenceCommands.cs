using MediatR;
using Microsoft.Extensions.Options;
using Speaking.Application.Common;
using Speaking.Application.Queue;
using Speaking.Application.Sessions;
using Speaking.Application.Users;

namespace Speaking.Application.Realtime;

/// <summary>
/// A connection was accepted and registered: the user is online (last_seen now), and if they have an active
/// session whose connection is gone (a reload, a dropped network), this connection takes it over. A tab
/// opened while the session's connection is alive gets nothing.
/// </summary>
public sealed record ConnectionOpenedCommand(Guid UserId, ConnectionRef Connection) : IRequest<Unit>;

public sealed class ConnectionOpenedCommandHandler(IUserRepository users, ISessionRepository sessions, IPresence presence, ISessionBindings bindings,
    SessionResumption resumption, IClock clock) : IRequestHandler<ConnectionOpenedCommand, Unit>
{
    public async Task<Unit> Handle(ConnectionOpenedCommand request, CancellationToken cancellationToken)
    {
        await users.SetPresenceAsync(request.UserId, true, clock.UtcNow, cancellationToken);
        var side = await sessions.FindActiveForUserAsync(request.UserId, cancellationToken);
        if (side is null) return Unit.Value;
        if (side.Connection is { } held && !bindings.IsGone(held) && await presence.IsLiveAsync(held, request.UserId)) return Unit.Value;
        await resumption.ResumeAsync(side, request.Connection, cancellationToken);
        return Unit.Value;
    }
}

/// <summary>
/// A connection closed (or died with its node). When it was the user's last: offline, out of every queue (D-14).
/// A session it held waits for the reconnect grace with the deadline stored (D-15, A-3) — unless the user still has
/// another connection, which takes the call over at once.
/// </summary>
public sealed record ConnectionClosedCommand(Guid UserId, ConnectionRef Connection, bool WasLast) : IRequest<Unit>;

public sealed class ConnectionClosedCommandHandler(IUserRepository users, IQueueRepository queue, ISessionRepository sessions,
    IPresence presence, SessionResumption resumption, ReconnectDeadlines deadlines, IClock clock, IOptions<RealtimeOptions> options)
    : IRequestHandler<ConnectionClosedCommand, Unit>
{
    public async Task<Unit> Handle(ConnectionClosedCommand request, CancellationToken cancellationToken)
    {
        var now = clock.UtcNow;
        if (request.WasLast)
        {
            await users.SetPresenceAsync(request.UserId, false, now, cancellationToken);
            await queue.LeaveAsync(request.UserId, cancellationToken);
        }

        foreach (var side in await sessions.DetachAsync(request.Connection, now + options.Value.ReconnectGrace, cancellationToken))
        {
            var unbound = side with { Connection = null };
            if (await presence.NewestAsync(side.UserId) is { } other && await resumption.ResumeAsync(unbound, other.Connection, cancellationToken)) continue;
            if (options.Value.SessionReconnectGraceSeconds == 0) await deadlines.ExpireAsync(unbound, now, cancellationToken);
        }

        return Unit.Value;
    }
}
