using System.Text.Json;
using MediatR;
using Speaking.Application.Common;
using Speaking.Application.Practice;
using Speaking.Application.Realtime;
using Speaking.Application.Realtime.Wire;
using Speaking.Application.Users;
using Speaking.Domain.Common;
using Speaking.Domain.Matchmaking;
using Speaking.Domain.Safety;

namespace Speaking.Application.Queue;

/// <summary>
/// join_queue over the WebSocket, validated per D-18: <c>mode</c> absent means roulette, otherwise it must be
/// roulette or level_filter; <c>level_filter</c>, when present, is a number 1.0–9.0; absent in level-filter mode,
/// the user's current level is used. The reply echoes mode and level_filter as sent. The ticket remembers this
/// connection: the session it leads to belongs to it. <c>widen: true</c> (a JSON true, level filter only) is
/// stored with the ticket. A suspended user gets an <c>error</c> that says until when.
/// </summary>
public sealed record JoinQueueFromSocketCommand(Guid UserId, ConnectionRef Connection, JsonElement? Mode, JsonElement? LevelFilter, bool Widen = false)
    : IRequest<SocketReply>;

public sealed class JoinQueueFromSocketCommandHandler(IQueueRepository queue, IUserRepository users, IEffectiveLevel levels, IClock clock)
    : IRequestHandler<JoinQueueFromSocketCommand, SocketReply>
{
    public async Task<SocketReply> Handle(JoinQueueFromSocketCommand request, CancellationToken cancellationToken)
    {
        var mode = QueueMode.Roulette;
        if (request.Mode is { } sentMode && sentMode.ValueKind != JsonValueKind.Null
            && (sentMode.ValueKind != JsonValueKind.String || !QueueModeNames.TryParse(sentMode.GetString(), out mode)))
            return ErrorMessage.InvalidMode;

        double? level = null;
        if (request.LevelFilter is { } sentLevel && sentLevel.ValueKind != JsonValueKind.Null)
        {
            if (sentLevel.ValueKind != JsonValueKind.Number || !sentLevel.TryGetDouble(out var value) || !IeltsBand.IsValid(value))
                return ErrorMessage.InvalidLevel;
            level = value;
        }

        var user = await users.GetAsync(request.UserId, cancellationToken);
        if (user is null) return ErrorMessage.InvalidMessage;
        var now = clock.UtcNow;
        if (user.IsSuspendedAt(now)) return new ErrorMessage(SafetyErrors.Suspended(user.SuspendedUntil!.Value).Detail);
        var band = level is { } l ? IeltsBand.From(l) : IeltsBand.From(await levels.OfAsync(user, cancellationToken));

        var joined = await QueueJoining.JoinAsync(queue, request.UserId, request.Connection, mode, band, request.Widen && mode == QueueMode.LevelFilter,
            now, cancellationToken);
        if (!joined.IsSuccess) return joined.Error == QueueErrors.InSession ? ErrorMessage.InSession : ErrorMessage.AlreadyQueued;
        return new QueueJoinedMessage(new QueueJoinedData(mode.ToWire(), request.LevelFilter is { ValueKind: not JsonValueKind.Null } sent ? sent : null));
    }
}

/// <summary>leave_queue: leaves if queued; the sender always gets queue_left.</summary>
public sealed record LeaveQueueFromSocketCommand(Guid UserId) : IRequest<SocketReply>;

public sealed class LeaveQueueFromSocketCommandHandler(IQueueRepository queue) : IRequestHandler<LeaveQueueFromSocketCommand, SocketReply>
{
    public async Task<SocketReply> Handle(LeaveQueueFromSocketCommand request, CancellationToken cancellationToken)
    {
        await queue.LeaveAsync(request.UserId, cancellationToken);
        return new QueueLeftMessage();
    }
}
