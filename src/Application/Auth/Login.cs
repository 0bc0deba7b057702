using FluentValidation;
using MediatR;
using Speaking.Application.Common;
using Speaking.Application.Users;
using Speaking.Domain.Common;
using Speaking.Domain.Users;

namespace Speaking.Application.Auth;

/// <summary>The OAuth2 password form: <see cref="Username"/> holds the email. Empty fields count as missing.</summary>
public sealed record LoginCommand(Input<string> Username, Input<string> Password, Input<string> GrantType, string? ClientAddress) : IRequest<Result<AuthToken>>;

public sealed class LoginCommandValidator : AbstractValidator<LoginCommand>
{
    public LoginCommandValidator()
    {
        RuleFor(x => x.Username).Text("body.username", 0, int.MaxValue);
        RuleFor(x => x.Password).Text("body.password", 0, int.MaxValue);
        RuleFor(x => x.GrantType).Custom((grant, context) =>
        {
            if (grant.IsPresent && !grant.Value!.Contains("password", StringComparison.Ordinal))
                context.Fail("body.grant_type", "string_pattern_mismatch", "String should match pattern 'password'", grant.Value,
                    new Dictionary<string, object?> { ["pattern"] = "password" });
        });
    }
}

public sealed class LoginCommandHandler(IUserRepository users, IPasswordHasher hasher, ITokenIssuer tokens, AuthAttempts attempts)
    : IRequestHandler<LoginCommand, Result<AuthToken>>
{
    public async Task<Result<AuthToken>> Handle(LoginCommand request, CancellationToken cancellationToken)
    {
        var email = request.Username.Value!;
        // Reserved before the hash, so parallel guesses cannot all pass a check that is counted only afterwards.
        var attempt = await attempts.TryBeginLoginAsync(AuthAttempts.EmailAccount(email), request.ClientAddress, cancellationToken);
        if (attempt is null) return UserErrors.TooManyLoginAttempts;

        User? user;
        bool valid;
        try
        {
            user = await users.FindByEmailAsync(email, cancellationToken);
            // One verification on both paths: an unknown email is checked against a hash shaped like a real one (D-8).
            valid = hasher.Verify(user?.PasswordHash ?? hasher.DummyHash, request.Password.Value!) && user is not null;
        }
        catch
        {
            await attempt.ReleaseAsync(); // nothing was learnt about the password
            throw;
        }

        if (!valid) return UserErrors.InvalidCredentials; // the failure keeps its attempts: they count until the window passes

        await attempt.ReleaseAsync();
        return new AuthToken(tokens.Issue(user!.Id), UserView.Of(user, user.Id));
    }
}

public sealed record GetCurrentUserQuery(Guid UserId) : IRequest<Result<UserView>>;

public sealed class GetCurrentUserQueryHandler(IUserDirectory users) : IRequestHandler<GetCurrentUserQuery, Result<UserView>>
{
    public async Task<Result<UserView>> Handle(GetCurrentUserQuery request, CancellationToken cancellationToken) =>
        await users.FindAsync(request.UserId, cancellationToken) is { } user ? user : UserErrors.Gone;
}
