using System.Text.Json;
using MediatR;
using Speaking.Application.Common;
using Speaking.Application.Practice;
using Speaking.Application.Queue;
using Speaking.Application.Users;

namespace Speaking.Application.Realtime;

/// <summary>offer / answer / ice_candidate: relayed only between the two participants of an active session (D-1).</summary>
public sealed record RelaySignalCommand(Guid FromUserId, string SignalType, Guid TargetUserId, JsonElement Payload) : IRequest<SocketReply>;

public sealed class RelaySignalCommandHandler(ISessionRepository sessions, IRealtimeNotifier notifier)
    : IRequestHandler<RelaySignalCommand, SocketReply>
{
    public async Task<SocketReply> Handle(RelaySignalCommand request, CancellationToken cancellationToken)
    {
        if (!await sessions.ArePartnersInCallAsync(request.FromUserId, request.TargetUserId, cancellationToken))
            return ErrorMessage.NotInSession;

        await notifier.SendAsync(request.TargetUserId, new SignalMessage(request.SignalType, request.FromUserId, request.Payload));
        return SocketReply.None;
    }
}

/// <summary>Chat between the two participants of an active session (D-2): a non-empty string of at most 2000 characters.</summary>
public sealed record SendChatCommand(Guid FromUserId, Guid TargetUserId, string Message) : IRequest<SocketReply>
{
    public const int MaxLength = 2000;
}

public sealed class SendChatCommandHandler(ISessionRepository sessions, IRealtimeNotifier notifier, IChatArchive archive, IClock clock)
    : IRequestHandler<SendChatCommand, SocketReply>
{
    public async Task<SocketReply> Handle(SendChatCommand request, CancellationToken cancellationToken)
    {
        if (request.Message.Length is 0 or > SendChatCommand.MaxLength) return ErrorMessage.InvalidChat;
        if (!await sessions.ArePartnersInCallAsync(request.FromUserId, request.TargetUserId, cancellationToken))
            return ErrorMessage.NotInSession;

        var sentAt = clock.UtcNow;
        await notifier.SendAsync(request.TargetUserId, new ChatMessage(request.FromUserId, request.Message, ServerMessage.FormatTime(sentAt)));
        await archive.StoreAsync(new ChatLine(request.FromUserId, request.TargetUserId, request.Message, sentAt), cancellationToken);
        return SocketReply.None;
    }
}

/// <summary>
/// end_session: a participant completes an active session and the partner is told at once. Whatever happened,
/// the sender gets the echo with the id as sent (D-3: a non-participant changes nothing and tells no one).
/// </summary>
public sealed record EndSessionCommand(Guid UserId, JsonElement? SessionIdAsSent) : IRequest<SocketReply>;

public sealed class EndSessionCommandHandler(ISessionRepository sessions, IRealtimeNotifier notifier, IClock clock)
    : IRequestHandler<EndSessionCommand, SocketReply>
{
    public async Task<SocketReply> Handle(EndSessionCommand request, CancellationToken cancellationToken)
    {
        var echo = new SessionEndedMessage(new SessionEndedData(request.SessionIdAsSent));
        if (request.SessionIdAsSent is not { ValueKind: JsonValueKind.String } raw || !Guid.TryParse(raw.GetString(), out var sessionId))
            return echo;

        var session = await sessions.GetAsync(sessionId, cancellationToken);
        if (session is null || !session.IsParticipant(request.UserId) || !session.Complete(clock.UtcNow, request.UserId)) return echo;
        if (await sessions.SaveEndAsync(session, cancellationToken))
        {
            await notifier.SendAsync(session.PartnerOf(request.UserId), SessionEndedMessage.For(session.Id));
        }

        return echo;
    }
}

/// <summary>A connection opened: the user is online (last_seen now) and any reconnect grace stops.</summary>
public sealed record UserConnectedCommand(Guid UserId) : IRequest<Unit>;

public sealed class UserConnectedCommandHandler(IUserRepository users, IReconnectGrace grace, IClock clock)
    : IRequestHandler<UserConnectedCommand, Unit>
{
    public async Task<Unit> Handle(UserConnectedCommand request, CancellationToken cancellationToken)
    {
        grace.Cancel(request.UserId);
        await users.SetPresenceAsync(request.UserId, true, clock.UtcNow, cancellationToken);
        return Unit.Value;
    }
}

/// <summary>
/// The user's last connection closed (D-14): offline, out of every queue, and an active session is kept for the
/// reconnect grace period (D-15).
/// </summary>
public sealed record UserDisconnectedCommand(Guid UserId) : IRequest<Unit>;

public sealed class UserDisconnectedCommandHandler(IUserRepository users, IQueueRepository queue, ISessionRepository sessions,
    IReconnectGrace grace, IClock clock) : IRequestHandler<UserDisconnectedCommand, Unit>
{
    public async Task<Unit> Handle(UserDisconnectedCommand request, CancellationToken cancellationToken)
    {
        await users.SetPresenceAsync(request.UserId, false, clock.UtcNow, cancellationToken);
        await queue.LeaveAsync(request.UserId, cancellationToken);
        var session = await sessions.FindActiveForUserAsync(request.UserId, cancellationToken);
        if (session is not null) grace.Start(request.UserId, session.Id);
        return Unit.Value;
    }
}

/// <summary>The grace period ran out: unless the user came back, the session is cancelled and the partner told.</summary>
public sealed record ExpireReconnectGraceCommand(Guid UserId, Guid SessionId) : IRequest<bool>;

public sealed class ExpireReconnectGraceCommandHandler(ISessionRepository sessions, IPresence presence, IRealtimeNotifier notifier,
    IClock clock) : IRequestHandler<ExpireReconnectGraceCommand, bool>
{
    public async Task<bool> Handle(ExpireReconnectGraceCommand request, CancellationToken cancellationToken)
    {
        if (presence.IsConnected(request.UserId)) return false;
        var session = await sessions.GetAsync(request.SessionId, cancellationToken);
        if (session is null || !session.Cancel(clock.UtcNow) || !await sessions.SaveEndAsync(session, cancellationToken)) return false;

        await notifier.SendAsync(session.PartnerOf(request.UserId), SessionEndedMessage.For(session.Id));
        return true;
    }
}

internal static class RelayRule
{
    /// <summary>D-1, D-2: two different users who are the two participants of one active session.</summary>
    public static async Task<bool> ArePartnersInCallAsync(this ISessionRepository sessions, Guid from, Guid to, CancellationToken ct) =>
        from != to && await sessions.AreInActiveSessionAsync(from, to, ct);
}
