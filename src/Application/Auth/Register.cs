using FluentValidation;
using MediatR;
using Speaking.Application.Common;
using Speaking.Application.Users;
using Speaking.Domain.Common;
using Speaking.Domain.Users;

namespace Speaking.Application.Auth;

/// <param name="ClientAddress">The client's address (through TRUSTED_PROXIES), for the registration limit.</param>
public sealed record RegisterCommand(BodyShape Body, Input<string> Email, Input<string> Password, Input<string> Username,
    Input<double> CurrentLevel, Input<double> TargetScore, string? ClientAddress) : IRequest<Result<AuthToken>>
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

public sealed class RegisterCommandHandler(IUserRepository users, IPasswordHasher hasher, ITokenIssuer tokens, IClock clock, AuthAttempts attempts)
    : IRequestHandler<RegisterCommand, Result<AuthToken>>
{
    public async Task<Result<AuthToken>> Handle(RegisterCommand request, CancellationToken cancellationToken)
    {
        var attempt = await attempts.TryBeginRegistrationAsync(request.ClientAddress, cancellationToken);
        if (attempt is null) return UserErrors.TooManyRegistrations;

        try
        {
            var email = EmailAddress.Normalise(request.Email.Value!, out _)!;
            var user = User.Register(Guid.NewGuid(), email, hasher.Hash(request.Password.Value!), request.Username.Value!,
                IeltsBand.From(request.CurrentLevel.ValueOr(User.DefaultLevel)),
                IeltsBand.From(request.TargetScore.ValueOr(User.DefaultTargetScore)), clock.UtcNow);

            // Created or taken, the attempt is kept (AuthAttempts.TryBeginRegistrationAsync says why).
            if (!await users.TryAddAsync(user, cancellationToken)) return UserErrors.EmailTaken;
            return new AuthToken(tokens.Issue(user.Id), UserView.Of(user, user.Id));
        }
        catch
        {
            await attempt.ReleaseAsync();
            throw;
        }
    }
}
