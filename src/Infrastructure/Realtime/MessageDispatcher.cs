using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Speaking.Application.Partners;
using Speaking.Application.Practice;
using Speaking.Application.Queue;
using Speaking.Application.Realtime;
using Speaking.Application.Realtime.Wire;
using Speaking.Infrastructure.Observability;

namespace Speaking.Infrastructure.Realtime;

/// <summary>
/// Turns one client frame (read by <see cref="ClientMessageReader"/>) into the use case for its type and runs it in
/// a DI scope of its own. Malformed input was already answered by the reader; a use case that needs the database
/// while it is away answers <c>Service temporarily unavailable</c>, and the socket stays open. Never logs message
/// contents, and at most one line per failed message.
/// </summary>
public sealed class MessageDispatcher(IServiceScopeFactory scopes, SpeakingMetrics metrics, ILogger<MessageDispatcher> logger)
{
    public static readonly ErrorMessage InternalError = new("Internal error");
    private static readonly SocketReply Pong = SocketReply.Of(new PongMessage());

    public async Task<SocketReply> DispatchAsync(Guid userId, ConnectionRef connection, ReadOnlyMemory<byte> utf8Json, CancellationToken ct)
    {
        var frame = ClientMessageReader.Read(utf8Json);
        if (frame.Reply is { } immediate)
        {
            metrics.RefusedMessages.WithLabels(RefusalReason(immediate)).Inc();
            return immediate;
        }

        if (frame.Message is not { } message) return SocketReply.None;
        if (message is ClientMessage.Ping) return Pong;

        IRequest<SocketReply>? command = message switch
        {
            ClientMessage.JoinQueue join => new JoinQueueFromSocketCommand(userId, connection, join.Mode, join.LevelFilter, join.Widen),
            ClientMessage.LeaveQueue => new LeaveQueueFromSocketCommand(userId),
            ClientMessage.Signal signal => new RelaySignalCommand(userId, connection, signal.Type, signal.TargetUserId, signal.Payload),
            ClientMessage.Chat chat => new SendChatCommand(userId, connection, chat.TargetUserId, chat.Message),
            ClientMessage.EndSession end => new EndSessionCommand(userId, connection, end.SessionIdAsSent),
            ClientMessage.InvitePartner invite => new InvitePartnerCommand(userId, connection, invite.PartnerUserId),
            ClientMessage.InviteResponse answer => new RespondToInviteCommand(userId, connection, answer.InviterUserId, answer.Accepted),
            ClientMessage.PracticeStart start => new StartPracticeCommand(userId, start.SessionId),
            ClientMessage.PracticeStop stop => new StopPracticeCommand(userId, stop.SessionId),
            _ => null,
        };
        if (command is null) return SocketReply.None;

        SocketReply reply;
        try
        {
            reply = await scopes.SendInScopeAsync(command, ct);
        }
        catch (Exception e) when (Outage.Is(e) && !ct.IsCancellationRequested)
        {
            metrics.DatabaseErrors.WithLabels("socket").Inc();
            metrics.RefusedMessages.WithLabels(RefusalReason(ErrorMessage.Unavailable)).Inc();
            logger.LogWarning("A {MessageType} message of user {UserId} could not be handled: {Reason}", TypeOf(message), userId, e.Message);
            return ErrorMessage.Unavailable;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogError(e, "Handling a {MessageType} message of user {UserId} failed", TypeOf(message), userId);
            return InternalError;
        }

        Count(message, reply);
        return reply;
    }

    private void Count(ClientMessage message, SocketReply reply)
    {
        var refusal = reply.Messages.OfType<ErrorMessage>().FirstOrDefault();
        if (refusal is not null) metrics.RefusedMessages.WithLabels(RefusalReason(refusal)).Inc();
        else if (message is ClientMessage.Signal or ClientMessage.Chat) metrics.RelayedMessages.WithLabels(TypeOf(message)).Inc();
    }

    private static string TypeOf(ClientMessage message) => message switch
    {
        ClientMessage.Signal signal => signal.Type,
        ClientMessage.Chat => "chat",
        ClientMessage.JoinQueue => "join_queue",
        ClientMessage.LeaveQueue => "leave_queue",
        ClientMessage.EndSession => "end_session",
        ClientMessage.InvitePartner => "invite_partner",
        ClientMessage.InviteResponse => "invite_response",
        ClientMessage.PracticeStart => "practice_start",
        ClientMessage.PracticeStop => "practice_stop",
        _ => "ping",
    };

    /// <summary>Metric label for a refusal: a short, bounded name, never the client's text.</summary>
    public static string RefusalReason(ServerMessage refusal) => refusal switch
    {
        ErrorMessage e when e == ErrorMessage.NotInSession => "not_in_session",
        ErrorMessage e when e == ErrorMessage.RateLimited => "rate_limited",
        ErrorMessage e when e == ErrorMessage.InvalidChat => "invalid_chat",
        ErrorMessage e when e == ErrorMessage.Unavailable => "unavailable",
        ErrorMessage e when e == ErrorMessage.AlreadyQueued || e == ErrorMessage.InSession => "not_allowed",
        ErrorMessage => "invalid",
        _ => "other",
    };
}
