using FluentValidation;
using MediatR;
using Speaking.Application.Auth;
using Speaking.Application.Common;
using Speaking.Application.Quorra.Common;
using Speaking.Domain.Common;
using Speaking.Domain.Quorra;

namespace Speaking.Application.Quorra.Auth;

/// <param name="ClientAddress">The client's address, for the registration limit Quorra shares with Speaking.</param>
public sealed record RegisterQuorraUserCommand(Input<string> Username, Input<string> Password, string? ClientAddress) : IRequest<Result<QuorraRegistered>>;

public sealed class RegisterQuorraUserCommandValidator : AbstractValidator<RegisterQuorraUserCommand>
{
    public RegisterQuorraUserCommandValidator()
    {
        RuleFor(x => x.Username).Text("username", TextLimits.UsernameMax, min: TextLimits.UsernameMin);
        RuleFor(x => x.Username).Custom((username, context) =>
        {
            if (username.IsPresent && (username.Value!.Trim().Length != username.Value.Length || username.Value.Any(char.IsControl)))
                context.Fail("username", "string_pattern_mismatch", "username must not start or end with spaces or hold control characters", null);
        });
        RuleFor(x => x.Password).Text("password", TextLimits.PasswordMax, min: TextLimits.PasswordMin);
    }
}

public sealed class RegisterQuorraUserCommandHandler(IQuorraUserRepository users, IPasswordHasher hasher, IClock clock, AuthAttempts attempts)
    : IRequestHandler<RegisterQuorraUserCommand, Result<QuorraRegistered>>
{
    public async Task<Result<QuorraRegistered>> Handle(RegisterQuorraUserCommand request, CancellationToken cancellationToken)
    {
        var attempt = await attempts.TryBeginRegistrationAsync(request.ClientAddress, cancellationToken);
        if (attempt is null) return QuorraErrors.TooManyRegistrations;

        try
        {
            var user = QuorraUser.Register(Guid.NewGuid(), request.Username.Value!, hasher.Hash(request.Password.Value!), clock.UtcNow);
            // Created or taken, the attempt is kept (AuthAttempts.TryBeginRegistrationAsync says why).
            if (!await users.TryAddAsync(user, cancellationToken)) return QuorraErrors.UsernameTaken;
            return new QuorraRegistered("User registered", user.Id);
        }
        catch
        {
            await attempt.ReleaseAsync();
            throw;
        }
    }
}
