using FluentValidation;
using MediatR;
using Speaking.Application.Auth;
using Speaking.Application.Common;
using Speaking.Application.Quorra.Common;
using Speaking.Domain.Common;
using Speaking.Domain.Quorra;

namespace Speaking.Application.Quorra.Auth;

public sealed record RegisterQuorraUserCommand(Input<string> Username, Input<string> Password) : IRequest<Result<QuorraRegistered>>;

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

public sealed class RegisterQuorraUserCommandHandler(IQuorraUserRepository users, IPasswordHasher hasher, IClock clock)
    : IRequestHandler<RegisterQuorraUserCommand, Result<QuorraRegistered>>
{
    public async Task<Result<QuorraRegistered>> Handle(RegisterQuorraUserCommand request, CancellationToken cancellationToken)
    {
        var user = QuorraUser.Register(Guid.NewGuid(), request.Username.Value!, hasher.Hash(request.Password.Value!), clock.UtcNow);
        if (!await users.TryAddAsync(user, cancellationToken)) return QuorraErrors.UsernameTaken;
        return new QuorraRegistered("User registered", user.Id);
    }
}
