using MediatR;
using Microsoft.Extensions.Logging;
using Speaking.Application.Common;
using Speaking.Application.Realtime;
using Speaking.Application.Realtime.Wire;

namespace Speaking.Application.Sessions;

/// <summary>
/// The reconnect grace ran out for a side (D-15): if the user has a live connection after all, it takes the call
/// over; otherwise the session is cancelled and the partner told. The deadlines are stored, so any node applies them
/// and a failure (the database away) is simply retried on the next pass.
/// </summary>
public sealed class ReconnectDeadlines(ISessionRepository sessions, IPresence presence, SessionResumption resumption,
    IRealtimeNotifier notifier, ILogger<ReconnectDeadlines> logger)
{
    public async Task<int> ExpireDueAsync(DateTime now, CancellationToken ct)
    {
        var ended = 0;
        foreach (var side in await sessions.ListOverdueAsync(now, ct))
        {
            if (await ExpireAsync(side, now, ct)) ended++;
        }

        return ended;
    }

    public async Task<bool> ExpireAsync(Participation side, DateTime now, CancellationToken ct)
    {
        if (await presence.NewestAsync(side.UserId) is { } live && await resumption.ResumeAsync(side, live.Connection, ct)) return false;
        if (await sessions.CancelOverdueAsync(side.Session.Id, side.UserId, now, ct) is not { } ended) return false;

        if (ended.ConnectionOf(side.PartnerId) is { } partner)
            await notifier.SendToConnectionAsync(partner, SessionEndedMessage.For(ended.Session.Id), new BindingChange.Unbind(ended.Session.Id));
        logger.LogInformation("Session {SessionId} cancelled: user {UserId} did not come back in time", ended.Session.Id, side.UserId);
        return true;
    }
}

/// <summary>Applies every reconnect deadline that has passed (run periodically by every node).</summary>
public sealed record ExpireReconnectDeadlinesCommand : IRequest<int>;

public sealed class ExpireReconnectDeadlinesCommandHandler(ReconnectDeadlines deadlines, IClock clock) : IRequestHandler<ExpireReconnectDeadlinesCommand, int>
{
    public Task<int> Handle(ExpireReconnectDeadlinesCommand request, CancellationToken cancellationToken) =>
        deadlines.ExpireDueAsync(clock.UtcNow, cancellationToken);
}
