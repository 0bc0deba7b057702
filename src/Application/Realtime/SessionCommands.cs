using System.Text.Json;
using MediatR;
using Speaking.Application.Common;
using Speaking.Application.Practice;
using Speaking.Application.Realtime.Wire;
using Speaking.Application.Sessions;

namespace Speaking.Application.Realtime;

/// <summary>
/// offer / answer / ice_candidate: relayed only between the two sides of an active session (D-1), from the connection
/// that holds it to the connection that holds the partner's side. The check reads this node's memory, never the
/// database; a session is over for a connection the moment its node delivers <c>session_ended</c> to it.
/// </summary>
public sealed record RelaySignalCommand(Guid FromUserId, ConnectionRef Connection, string SignalType, Guid TargetUserId, JsonElement Payload)
    : IRequest<SocketReply>;

public sealed class RelaySignalCommandHandler(ISessionBindings bindings, IRealtimeNotifier notifier) : IRequestHandler<RelaySignalCommand, SocketReply>
{
    public async Task<SocketReply> Handle(RelaySignalCommand request, CancellationToken cancellationToken)
    {
        if (RelayRule.PartnerConnection(bindings, request.Connection, request.FromUserId, request.TargetUserId) is not { } binding)
            return ErrorMessage.NotInSession;
        if (binding.PartnerConnection is { } partner)
            await notifier.SendToConnectionAsync(partner, new SignalMessage(request.SignalType, request.FromUserId, request.Payload), onlyInSession: binding.SessionId);
        return SocketReply.None;
    }
}

/// <summary>Chat between the two sides of an active session (D-2), checked and routed like the signalling relay.</summary>
public sealed record SendChatCommand(Guid FromUserId, ConnectionRef Connection, Guid TargetUserId, string Message) : IRequest<SocketReply>
{
    public const int MaxLength = ClientMessageReader.MaxChatLength;
}

public sealed class SendChatCommandHandler(ISessionBindings bindings, IRealtimeNotifier notifier, IChatArchive archive, IClock clock)
    : IRequestHandler<SendChatCommand, SocketReply>
{
    public async Task<SocketReply> Handle(SendChatCommand request, CancellationToken cancellationToken)
    {
        if (request.Message.Length is 0 or > SendChatCommand.MaxLength || request.Message.Contains('\0')) return ErrorMessage.InvalidChat;
        if (RelayRule.PartnerConnection(bindings, request.Connection, request.FromUserId, request.TargetUserId) is not { } binding)
            return ErrorMessage.NotInSession;
        var sentAt = clock.UtcNow;
        if (binding.PartnerConnection is { } partner)
            await notifier.SendToConnectionAsync(partner, new ChatMessage(request.FromUserId, request.Message, ServerMessage.FormatTime(sentAt)),
                onlyInSession: binding.SessionId);
        await archive.StoreAsync(new ChatLine(binding.SessionId, request.FromUserId, request.TargetUserId, request.Message, sentAt), cancellationToken);
        return SocketReply.None;
    }
}

/// <summary>
/// end_session: a participant completes an active session and the partner is told at once. Whatever happened,
/// the sender gets the echo with the id as sent (D-3: a non-participant changes nothing and tells no one).
/// </summary>
public sealed record EndSessionCommand(Guid UserId, ConnectionRef Connection, JsonElement? SessionIdAsSent) : IRequest<SocketReply>;

public sealed class EndSessionCommandHandler(ISessionRepository sessions, ISessionBindings bindings, IRealtimeNotifier notifier, IClock clock)
    : IRequestHandler<EndSessionCommand, SocketReply>
{
    public async Task<SocketReply> Handle(EndSessionCommand request, CancellationToken cancellationToken)
    {
        var echo = new SessionEndedMessage(new SessionEndedData(request.SessionIdAsSent));
        if (request.SessionIdAsSent is not { ValueKind: JsonValueKind.String } raw || !Guid.TryParse(raw.GetString(), out var sessionId))
            return echo;

        var session = await sessions.GetAsync(sessionId, cancellationToken);
        if (session is null || !session.IsParticipant(request.UserId)) return echo;
        bindings.Release(request.Connection, sessionId);
        if (!session.Complete(clock.UtcNow, request.UserId) || await sessions.SaveEndAsync(session, cancellationToken) is not { } ended) return echo;

        var partnerId = session.PartnerOf(request.UserId);
        if (ended.ConnectionOf(partnerId) is { } partner)
            await notifier.SendToConnectionAsync(partner, SessionEndedMessage.For(session.Id), new BindingChange.Unbind(session.Id));
        if (ended.ConnectionOf(request.UserId) is { } mine && mine != request.Connection)
            await notifier.SendToConnectionAsync(mine, SessionEndedMessage.For(session.Id), new BindingChange.Unbind(session.Id));
        return echo;
    }
}

internal static class RelayRule
{
    /// <summary>D-1, D-2: the sender's connection holds an active session whose partner is the target (never oneself).</summary>
    /// <remarks>
    /// Blocks need no check here, so the hot path stays a memory read: two users who block each other have no
    /// session. The matcher never pairs them and invitations between them are refused; every session start reads the
    /// blocks again under the users' row locks, which a block takes too; and a block made during a call ends that
    /// session before the block command returns (<c>BlockUserCommand</c>), delivering <c>session_ended</c> with
    /// <see cref="BindingChange.Unbind"/> to both connections, so this rule refuses their relays.
    /// </remarks>
    public static SessionBinding? PartnerConnection(ISessionBindings bindings, ConnectionRef connection, Guid from, Guid to) =>
        from != to && bindings.Of(connection) is { } binding && binding.PartnerId == to ? binding : null;
}
