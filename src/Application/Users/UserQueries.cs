using FluentValidation;
using MediatR;
using Speaking.Application.Common;
using Speaking.Domain.Common;
using Speaking.Domain.Users;

namespace Speaking.Application.Users;

public sealed record ListUsersQuery(Guid CallerId, Input<bool> OnlineOnly, Input<int> Skip, Input<int> Limit)
    : IRequest<IReadOnlyList<UserView>>
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 100;
}

public sealed class ListUsersQueryValidator : AbstractValidator<ListUsersQuery>
{
    public ListUsersQueryValidator()
    {
        RuleFor(x => x.OnlineOnly).Boolean("query.online_only");
        RuleFor(x => x.Skip).NonNegativeInteger("query.skip");
        RuleFor(x => x.Limit).NonNegativeInteger("query.limit");
    }
}

/// <summary>The online list (the dashboard polls it) comes from the user directory's memory; the full list from the table.</summary>
public sealed class ListUsersQueryHandler(IUserRepository users, IUserDirectory directory) : IRequestHandler<ListUsersQuery, IReadOnlyList<UserView>>
{
    public async Task<IReadOnlyList<UserView>> Handle(ListUsersQuery request, CancellationToken cancellationToken)
    {
        var limit = Math.Min(request.Limit.ValueOr(ListUsersQuery.DefaultLimit), ListUsersQuery.MaxLimit);
        if (request.OnlineOnly.ValueOr(false))
            return await directory.OnlinePageAsync(request.CallerId, request.Skip.ValueOr(0), limit, cancellationToken);
        var list = await users.ListAsync(false, request.Skip.ValueOr(0), limit, cancellationToken);
        return list.Select(u => UserView.Of(u, request.CallerId)).ToArray();
    }
}

public sealed record CountOnlineUsersQuery : IRequest<int>;

public sealed class CountOnlineUsersQueryHandler(IUserRepository users) : IRequestHandler<CountOnlineUsersQuery, int>
{
    public Task<int> Handle(CountOnlineUsersQuery request, CancellationToken cancellationToken) => users.CountOnlineAsync(cancellationToken);
}

public sealed record GetUserQuery(Guid CallerId, Input<Guid> UserId) : IRequest<Result<UserView>>;

public sealed class GetUserQueryValidator : AbstractValidator<GetUserQuery>
{
    public GetUserQueryValidator() => RuleFor(x => x.UserId).Uuid("path.user_id");
}

public sealed class GetUserQueryHandler(IUserRepository users) : IRequestHandler<GetUserQuery, Result<UserView>>
{
    public async Task<Result<UserView>> Handle(GetUserQuery request, CancellationToken cancellationToken)
    {
        var user = await users.GetAsync(request.UserId.Value, cancellationToken);
        return user is null ? UserErrors.NotFound : UserView.Of(user, request.CallerId);
    }
}

public sealed record UpdateUserCommand(Guid CallerId, Input<Guid> UserId, BodyShape Body, Input<string> Username,
    Input<double> CurrentLevel, Input<double> TargetScore) : IRequest<Result<UserView>>;

public sealed class UpdateUserCommandValidator : AbstractValidator<UpdateUserCommand>
{
    public UpdateUserCommandValidator()
    {
        RuleFor(x => x.UserId).Uuid("path.user_id");
        RuleFor(x => x.Body).RequiredBody();
        RuleFor(x => x.Username).Text("body.username", User.UsernameMinLength, User.UsernameMaxLength, required: false);
        RuleFor(x => x.CurrentLevel).Band("body.current_level");
        RuleFor(x => x.TargetScore).Band("body.target_score");
    }
}

public sealed class UpdateUserCommandHandler(IUserRepository users, IClock clock) : IRequestHandler<UpdateUserCommand, Result<UserView>>
{
    public async Task<Result<UserView>> Handle(UpdateUserCommand request, CancellationToken cancellationToken)
    {
        if (request.UserId.Value != request.CallerId) return UserErrors.NotYourProfile;
        var user = await users.GetAsync(request.CallerId, cancellationToken);
        if (user is null) return UserErrors.NotFound;

        user.UpdateProfile(
            request.Username.IsPresent ? request.Username.Value : null,
            request.CurrentLevel.IsPresent ? IeltsBand.From(request.CurrentLevel.Value) : null,
            request.TargetScore.IsPresent ? IeltsBand.From(request.TargetScore.Value) : null);
        if (request.Username.IsPresent || request.CurrentLevel.IsPresent || request.TargetScore.IsPresent)
            await users.UpdateProfileAsync(user, clock.UtcNow, cancellationToken);
        return UserView.Of(user, request.CallerId);
    }
}
