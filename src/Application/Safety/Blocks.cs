using FluentValidation;
using MediatR;
using Speaking.Application.Common;
using Speaking.Application.Realtime;
using Speaking.Application.Realtime.Wire;
using Speaking.Application.Sessions;
using Speaking.Application.Users;
using Speaking.Domain.Common;
using Speaking.Domain.Safety;
using Speaking.Domain.Sessions;
using Speaking.Domain.Users;

namespace Speaking.Application.Safety;

/// <summary>
/// <c>POST /users/{user_id}/block</c>. A block, in either direction, applies everywhere (amendment A-5): the matcher
/// never pairs the two, invitations and partner requests between them are refused, search hides each from the other,
/// and their partnership, pending requests and pending invitations end with the block. A call between them ends at
/// once for both (<c>session_ended</c>, status completed, end_reason blocked, ended_by the blocker); after that their
/// relays and chat are refused by the binding rule, so the relay path needs no block check of its own.
/// Blocking again changes nothing and answers the same.
/// </summary>
public sealed record BlockUserCommand(Guid CallerId, Input<Guid> UserId) : IRequest<Result<BlockView>>;

public sealed class BlockUserCommandValidator : AbstractValidator<BlockUserCommand>
{
    public BlockUserCommandValidator() => RuleFor(x => x.UserId).Uuid("path.user_id");
}

public sealed class BlockUserCommandHandler(IUserRepository users, IBlockRepository blocks, ISessionRepository sessions,
    IRealtimeNotifier notifier, IClock clock) : IRequestHandler<BlockUserCommand, Result<BlockView>>
{
    public async Task<Result<BlockView>> Handle(BlockUserCommand request, CancellationToken cancellationToken)
    {
        var target = request.UserId.Value;
        if (target == request.CallerId) return SafetyErrors.CannotBlockYourself;
        if (await users.GetAsync(target, cancellationToken) is null) return UserErrors.NotFound;

        // The block is stored first: from here on no round pairs them and no invitation goes through, whatever the
        // call below does. Then the call ends, so the block always ends the session before anything else could relay.
        var now = clock.UtcNow;
        var block = await blocks.BlockAsync(request.CallerId, target, now, cancellationToken);
        await EndCallBetweenAsync(request.CallerId, target, now, cancellationToken);
        return block;
    }

    private async Task EndCallBetweenAsync(Guid blocker, Guid blocked, DateTime now, CancellationToken ct)
    {
        if (await sessions.FindActiveForUserAsync(blocker, ct) is not { } participation || participation.PartnerId != blocked) return;
        var session = participation.Session;
        if (!session.Complete(now, blocker, SessionEndReason.Blocked) || await sessions.SaveEndAsync(session, ct) is not { } ended) return;

        // Both sides are told. Each connection that held a side is unbound as the message is delivered, so its relays
        // are refused from that moment (the blocker's own connection too: the block came over REST, not from it).
        foreach (var side in new[] { session.User1Id, session.User2Id })
        {
            if (ended.ConnectionOf(side) is { } connection)
                await notifier.SendToConnectionAsync(connection, SessionEndedMessage.For(session.Id), new BindingChange.Unbind(session.Id));
        }
    }
}

/// <summary><c>DELETE /users/{user_id}/block</c>: removes the caller's own block (a block the other made stays). Nothing that the block ended comes back.</summary>
public sealed record UnblockUserCommand(Guid CallerId, Input<Guid> UserId) : IRequest<Result>;

public sealed class UnblockUserCommandValidator : AbstractValidator<UnblockUserCommand>
{
    public UnblockUserCommandValidator() => RuleFor(x => x.UserId).Uuid("path.user_id");
}

public sealed class UnblockUserCommandHandler(IBlockRepository blocks) : IRequestHandler<UnblockUserCommand, Result>
{
    public async Task<Result> Handle(UnblockUserCommand request, CancellationToken cancellationToken) =>
        await blocks.UnblockAsync(request.CallerId, request.UserId.Value, cancellationToken) ? Result.Success() : SafetyErrors.NotBlocked;
}

/// <summary><c>GET /users/me/blocks</c>: the users the caller blocked, newest first.</summary>
public sealed record GetBlocksQuery(Guid CallerId) : IRequest<IReadOnlyList<BlockView>>;

public sealed class GetBlocksQueryHandler(IBlockRepository blocks) : IRequestHandler<GetBlocksQuery, IReadOnlyList<BlockView>>
{
    public Task<IReadOnlyList<BlockView>> Handle(GetBlocksQuery request, CancellationToken cancellationToken) =>
        blocks.ListAsync(request.CallerId, cancellationToken);
}
