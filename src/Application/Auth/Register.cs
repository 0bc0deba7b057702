using FluentValidation;
using MediatR;
using Speaking.Application.Common;
using Speaking.Application.Users;
using Speaking.Domain.Common;
using Speaking.Domain.Users;

namespace Speaking.Application.Auth;

public sealed record RegisterCommand(BodyShape Body, Input<string> Email, Input<string> Password, Input<string> Username,
    Input<double> CurrentLevel, Input<double> TargetScore) : IRequest<Result<AuthToken>>
{
    public const int PasswordMinLength = 6;
    public const int PasswordMaxLength = 100;
}

public sealed class RegisterCommandValidator : AbstractValidator<RegisterCommand>
{
    public RegisterCommandValidator()
    {
        RuleFor(x => x.Body).RequiredBody();
        When(x => x.Body == BodyShape.Object, () =>
        {
            RuleFor(x => x.Email).Text("body.email", 0, int.MaxValue);
            RuleFor(x => x.Email).Custom((email, context) =>
            {
                if (email.IsPresent && EmailAddress.Normalise(email.Value!, out var reason) is null)
                    context.Fail("body.email", "value_error", $"value is not a valid email address: {reason}", email.Value,
                        new Dictionary<string, object?> { ["reason"] = reason });
            });
            RuleFor(x => x.Password).Text("body.password", RegisterCommand.PasswordMinLength, RegisterCommand.PasswordMaxLength);
            RuleFor(x => x.Username).Text("body.username", User.UsernameMinLength, User.UsernameMaxLength);
            RuleFor(x => x.CurrentLevel).Band("body.current_level");
            RuleFor(x => x.TargetScore).Band("body.target_score");
        });
    }
}

public sealed class RegisterCommandHandler(IUserRepository users, IPasswordHasher hasher, ITokenIssuer tokens, IClock clock)
    : IRequestHandler<RegisterCommand, Result<AuthToken>>
{
    public async Task<Result<AuthToken>> Handle(RegisterCommand request, CancellationToken cancellationToken)
    {
        var email = EmailAddress.Normalise(request.Email.Value!, out _)!;
        var user = User.Register(Guid.NewGuid(), email, hasher.Hash(request.Password.Value!), request.Username.Value!,
            IeltsBand.From(request.CurrentLevel.ValueOr(User.DefaultLevel)),
            IeltsBand.From(request.TargetScore.ValueOr(User.DefaultTargetScore)), clock.UtcNow);

        if (!await users.TryAddAsync(user, cancellationToken)) return UserErrors.EmailTaken;
        return new AuthToken(tokens.Issue(user.Id), UserView.Of(user, user.Id));
    }
}
