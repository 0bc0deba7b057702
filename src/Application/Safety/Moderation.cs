using FluentValidation;
using MediatR;
using Speaking.Application.Common;
using Speaking.Application.Users;
using Speaking.Domain.Common;
using Speaking.Domain.Safety;
using Speaking.Domain.Users;

namespace Speaking.Application.Safety;

/// <summary>Moderators are users with <c>is_admin</c>, read from the database on every request, so a grant or a revoke applies at once.</summary>
internal static class Moderators
{
    public static async Task<Error?> RefuseUnlessAdminAsync(IUserRepository users, Guid callerId, CancellationToken ct) =>
        await users.GetAsync(callerId, ct) switch
        {
            null => UserErrors.Gone,
            { IsAdmin: false } => SafetyErrors.AdminRequired,
            _ => null,
        };
}

/// <summary>
/// <c>GET /admin/reports</c>: reports newest first, optionally only those on one user (<c>target_user_id</c>) or only
/// those whose target is suspended now (<c>suspended_only=true</c>: the open suspensions).
/// </summary>
public sealed record ListReportsQuery(Guid CallerId, Input<Guid> TargetUserId, Input<bool> SuspendedOnly, Input<int> Skip, Input<int> Limit)
    : IRequest<Result<IReadOnlyList<AdminReportView>>>
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 100;
}

public sealed class ListReportsQueryValidator : AbstractValidator<ListReportsQuery>
{
    public ListReportsQueryValidator()
    {
        RuleFor(x => x.TargetUserId).Uuid("query.target_user_id").When(x => x.TargetUserId.State != InputState.Missing);
        RuleFor(x => x.SuspendedOnly).Boolean("query.suspended_only");
        RuleFor(x => x.Skip).NonNegativeInteger("query.skip");
        RuleFor(x => x.Limit).NonNegativeInteger("query.limit");
    }
}

public sealed class ListReportsQueryHandler(IUserRepository users, IReportRepository reports, IClock clock)
    : IRequestHandler<ListReportsQuery, Result<IReadOnlyList<AdminReportView>>>
{
    public async Task<Result<IReadOnlyList<AdminReportView>>> Handle(ListReportsQuery request, CancellationToken cancellationToken)
    {
        if (await Moderators.RefuseUnlessAdminAsync(users, request.CallerId, cancellationToken) is { } refused) return refused;
        Guid? target = request.TargetUserId.IsPresent ? request.TargetUserId.Value : null;
        var limit = Math.Min(request.Limit.ValueOr(ListReportsQuery.DefaultLimit), ListReportsQuery.MaxLimit);
        return Result<IReadOnlyList<AdminReportView>>.Success(await reports.ListAsync(target, request.SuspendedOnly.ValueOr(false), clock.UtcNow,
            request.Skip.ValueOr(0), limit, cancellationToken));
    }
}

/// <summary>The answer to a lift: the user is no longer suspended, and this many reports were resolved.</summary>
public sealed record LiftedSuspensionView(Guid UserId, DateTime? SuspendedUntil, int ResolvedReports);

/// <summary>
/// <c>POST /admin/users/{user_id}/lift-suspension</c>: ends a suspension now and resolves the open reports on the user, so
/// they never count again (new reports start from zero).
/// </summary>
public sealed record LiftSuspensionCommand(Guid CallerId, Input<Guid> UserId) : IRequest<Result<LiftedSuspensionView>>;

public sealed class LiftSuspensionCommandValidator : AbstractValidator<LiftSuspensionCommand>
{
    public LiftSuspensionCommandValidator() => RuleFor(x => x.UserId).Uuid("path.user_id");
}

public sealed class LiftSuspensionCommandHandler(IUserRepository users, IReportRepository reports, IClock clock)
    : IRequestHandler<LiftSuspensionCommand, Result<LiftedSuspensionView>>
{
    public async Task<Result<LiftedSuspensionView>> Handle(LiftSuspensionCommand request, CancellationToken cancellationToken)
    {
        if (await Moderators.RefuseUnlessAdminAsync(users, request.CallerId, cancellationToken) is { } refused) return refused;
        var target = await users.GetAsync(request.UserId.Value, cancellationToken);
        if (target is null) return UserErrors.NotFound;
        var now = clock.UtcNow;
        if (!target.IsSuspendedAt(now)) return SafetyErrors.NotSuspended;

        var resolved = await reports.LiftSuspensionAsync(target.Id, request.CallerId, now, cancellationToken);
        return new LiftedSuspensionView(target.Id, null, resolved);
    }
}
