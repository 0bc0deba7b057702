using FluentValidation;
using MediatR;
using Speaking.Application.Common;
using Speaking.Application.Practice;
using Speaking.Application.Users;
using Speaking.Domain.Common;
using Speaking.Domain.Matchmaking;
using Speaking.Domain.Safety;
using Speaking.Domain.Users;

namespace Speaking.Application.Queue;

/// <summary>QueueStatus on the wire; every key is always present.</summary>
public sealed record QueueStatusView(bool InQueue, string? Mode, int? Position, DateTime? JoinedAt, int? EstimatedWaitSeconds)
{
    public static readonly QueueStatusView NotQueued = new(false, null, null, null, null);
}

/// <summary>
/// The estimated waits are the original's constants (20 s roulette, 30/60 s level filter), kept for wire
/// compatibility (D-25): they are estimates only and do not follow the configured interval.
/// </summary>
internal static class WaitEstimates
{
    public const int Roulette = 20;
    public const int LevelFilterWithCompany = 30;
    public const int LevelFilterAlone = 60;
}

public sealed record JoinQueueCommand(Guid UserId, QueueMode Mode, BodyShape Body, Input<double> LevelFilter)
    : IRequest<Result<QueueStatusView>>;

public sealed class JoinQueueCommandValidator : AbstractValidator<JoinQueueCommand>
{
    public JoinQueueCommandValidator()
    {
        When(x => x.Mode == QueueMode.LevelFilter, () =>
        {
            RuleFor(x => x.Body).RequiredBody();
            // An explicit null means "use my current level", as in the original.
            RuleFor(x => x.LevelFilter).Band("body.level_filter").When(x => x.LevelFilter.State != InputState.Null);
        });
    }
}

public sealed class JoinQueueCommandHandler(IQueueRepository queue, IUserRepository users, IEffectiveLevel levels, IClock clock)
    : IRequestHandler<JoinQueueCommand, Result<QueueStatusView>>
{
    public async Task<Result<QueueStatusView>> Handle(JoinQueueCommand request, CancellationToken cancellationToken)
    {
        var user = await users.GetAsync(request.UserId, cancellationToken);
        if (user is null) return UserErrors.Gone;
        var now = clock.UtcNow;
        if (user.IsSuspendedAt(now)) return SafetyErrors.Suspended(user.SuspendedUntil!.Value); // 403
        var level = request.LevelFilter.IsPresent ? IeltsBand.From(request.LevelFilter.Value) : IeltsBand.From(await levels.OfAsync(user, cancellationToken));

        var joined = await QueueJoining.JoinAsync(queue, request.UserId, null, request.Mode, level, widen: false, now, cancellationToken);
        if (!joined.IsSuccess) return joined.Error!;
        var ticket = joined.Value;

        if (request.Mode == QueueMode.Roulette)
        {
            var position = await queue.CountJoinedUpToAsync(QueueMode.Roulette, ticket.JoinedAt, cancellationToken);
            return new QueueStatusView(true, QueueModeNames.Roulette, position, ticket.JoinedAt, WaitEstimates.Roulette);
        }

        var near = await queue.CountLevelFilterNearAsync(level.Value, cancellationToken);
        return new QueueStatusView(true, QueueModeNames.LevelFilter, near, ticket.JoinedAt,
            near > 1 ? WaitEstimates.LevelFilterWithCompany : WaitEstimates.LevelFilterAlone);
    }
}

/// <summary>
/// The join rule shared by REST and WebSocket: not while in a call (D-17), never two tickets (D-12), both decided
/// atomically. (Each caller refuses a suspended user first, in its own wire form: amendment A-5.)
/// </summary>
internal static class QueueJoining
{
    public static async Task<Result<QueueTicket>> JoinAsync(IQueueRepository queue, Guid userId, Realtime.ConnectionRef? connection,
        QueueMode mode, IeltsBand level, bool widen, DateTime now, CancellationToken ct)
    {
        var ticket = new QueueTicket(Guid.NewGuid(), userId, mode, level, now, widen);
        return await queue.TryJoinAsync(ticket, connection, ct) switch
        {
            JoinOutcome.Joined => ticket,
            JoinOutcome.InSession => QueueErrors.InSession,
            _ => QueueErrors.AlreadyQueued,
        };
    }
}

public sealed record LeaveQueueCommand(Guid UserId) : IRequest<Result>;

public sealed class LeaveQueueCommandHandler(IQueueRepository queue) : IRequestHandler<LeaveQueueCommand, Result>
{
    public async Task<Result> Handle(LeaveQueueCommand request, CancellationToken cancellationToken) =>
        await queue.LeaveAsync(request.UserId, cancellationToken) ? Result.Success() : QueueErrors.NotQueued;
}

public sealed record GetQueueStatusQuery(Guid UserId) : IRequest<QueueStatusView>;

public sealed class GetQueueStatusQueryHandler(IQueueRepository queue) : IRequestHandler<GetQueueStatusQuery, QueueStatusView>
{
    public async Task<QueueStatusView> Handle(GetQueueStatusQuery request, CancellationToken cancellationToken)
    {
        var ticket = await queue.GetActiveAsync(request.UserId, cancellationToken);
        if (ticket is null) return QueueStatusView.NotQueued;
        var position = await queue.CountJoinedUpToAsync(ticket.Mode, ticket.JoinedAt, cancellationToken);
        return new QueueStatusView(true, ticket.Mode.ToWire(), position, ticket.JoinedAt,
            ticket.Mode == QueueMode.Roulette ? WaitEstimates.Roulette : WaitEstimates.LevelFilterWithCompany);
    }
}
