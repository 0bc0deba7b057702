using System.Text.Json;
using MediatR;
using Speaking.Application.Realtime;
using Speaking.Application.Users;
using Speaking.Domain.Common;
using Speaking.Domain.Matchmaking;
using Speaking.Application.Common;
using Speaking.Application.Practice;

namespace Speaking.Application.Queue;

/// <summary>
/// join_queue over the WebSocket, validated per D-18: <c>mode</c> absent means roulette, otherwise it must be
/// roulette or level_filter; <c>level_filter</c>, when present, is a number 1.0–9.0; absent in level-filter mode,
/// the user's current level is used. The reply echoes mode and level_filter as sent.
/// </summary>
public sealed record JoinQueueFromSocketCommand(Guid UserId, JsonElement? Mode, JsonElement? LevelFilter) : IRequest<SocketReply>;

public sealed class JoinQueueFromSocketCommandHandler(IQueueRepository queue, ISessionRepository sessions, IUserRepository users,
    IEffectiveLevel levels, IClock clock)
    : IRequestHandler<JoinQueueFromSocketCommand, SocketReply>
{
    public static readonly ErrorMessage InvalidMode = new("Invalid mode");
    public static readonly ErrorMessage InvalidLevel = new("level_filter must be a number between 1.0 and 9.0");
    public static readonly ErrorMessage AlreadyQueued = new("Already in queue");
    public static readonly ErrorMessage InSession = new("Already in a session");

    public async Task<SocketReply> Handle(JoinQueueFromSocketCommand request, CancellationToken cancellationToken)
    {
        var mode = QueueMode.Roulette;
        if (request.Mode is { } sentMode && sentMode.ValueKind != JsonValueKind.Null
            && (sentMode.ValueKind != JsonValueKind.String || !QueueModeNames.TryParse(sentMode.GetString(), out mode)))
            return InvalidMode;

        double? level = null;
        if (request.LevelFilter is { } sentLevel && sentLevel.ValueKind != JsonValueKind.Null)
        {
            if (sentLevel.ValueKind != JsonValueKind.Number || !IeltsBand.IsValid(sentLevel.GetDouble())) return InvalidLevel;
            level = sentLevel.GetDouble();
        }

        var user = await users.GetAsync(request.UserId, cancellationToken);
        if (user is null) return ErrorMessage.InvalidMessage;
        var band = level is { } l ? IeltsBand.From(l) : IeltsBand.From(await levels.OfAsync(user, cancellationToken));

        var joined = await QueueJoining.JoinAsync(queue, sessions, request.UserId, mode, band, clock.UtcNow, cancellationToken);
        if (!joined.IsSuccess) return joined.Error == QueueErrors.InSession ? InSession : AlreadyQueued;

        // Cloned: the reply is serialized after the dispatcher has disposed the request's JsonDocument.
        var echoedLevel = request.LevelFilter is { ValueKind: not JsonValueKind.Null } sent ? sent.Clone() : (JsonElement?)null;
        return new QueueJoinedMessage(new QueueJoinedData(mode.ToWire(), echoedLevel));
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
