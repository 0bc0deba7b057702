using FluentValidation;
using MediatR;
using Speaking.Application.Auth;
using Speaking.Application.Common;
using Speaking.Application.Quorra.Common;
using Speaking.Domain.Common;
using Speaking.Domain.Quorra;

namespace Speaking.Application.Quorra.Auth;

public sealed record QuorraLoginCommand(Input<string> Username, Input<string> Password, string? ClientAddress) : IRequest<Result<QuorraToken>>;

public sealed class QuorraLoginCommandValidator : AbstractValidator<QuorraLoginCommand>
{
    public QuorraLoginCommandValidator()
    {
        RuleFor(x => x.Username).Text("username", TextLimits.UsernameMax);
        RuleFor(x => x.Password).Text("password", TextLimits.PasswordMax);
    }
}

/// <summary>
/// Checks the password (a dummy check for unknown usernames, so both take the same time) and issues a 7-day token.
/// Logins count against the shared login limits (<see cref="AuthAttempts"/>): the account under a key of Quorra's
/// own, the client address together with Speaking's logins.
/// </summary>
public sealed class QuorraLoginCommandHandler(IQuorraUserRepository users, IPasswordHasher hasher, IQuorraTokens tokens, AuthAttempts attempts)
    : IRequestHandler<QuorraLoginCommand, Result<QuorraToken>>
{
    public async Task<Result<QuorraToken>> Handle(QuorraLoginCommand request, CancellationToken cancellationToken)
    {
        var username = request.Username.Value!;
        var attempt = await attempts.TryBeginLoginAsync(AuthAttempts.QuorraAccount(username), request.ClientAddress, cancellationToken);
        if (attempt is null) return QuorraErrors.TooManyLoginAttempts;

        QuorraUser? user;
        bool valid;
        try
        {
            user = await users.FindByUsernameAsync(username, cancellationToken);
            // An unknown name is verified against the dummy hash, so it costs what a real verification costs.
            valid = hasher.Verify(user?.PasswordHash ?? hasher.DummyHash, request.Password.Value!) && user is not null;
        }
        catch
        {
            await attempt.ReleaseAsync();
            throw;
        }

        if (!valid) return QuorraErrors.InvalidCredentials; // kept: the failure counts until the window passes

        await attempt.ReleaseAsync();
        return new QuorraToken(tokens.Issue(user!.Id));
    }
}

/// <summary>
/// The original's auth middleware: no Authorization header → 403 "Token yo‘q"; anything but a valid Quorra bearer
/// token of an existing account → 401 "Token noto‘g‘ri yoki muddati tugagan".
/// </summary>
public sealed record AuthenticateQuorraRequestQuery(string? AuthorizationHeader) : IRequest<Result<Guid>>;

public sealed class AuthenticateQuorraRequestQueryHandler(IQuorraTokens tokens, IQuorraUserRepository users)
    : IRequestHandler<AuthenticateQuorraRequestQuery, Result<Guid>>
{
    public async Task<Result<Guid>> Handle(AuthenticateQuorraRequestQuery request, CancellationToken cancellationToken)
    {
        var header = request.AuthorizationHeader;
        if (string.IsNullOrEmpty(header)) return QuorraErrors.TokenMissing;

        var parts = header.Split(' ', 2, StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || !parts[0].Equals("Bearer", StringComparison.OrdinalIgnoreCase) || parts[1].Length == 0)
            return QuorraErrors.TokenInvalid;

        var userId = await tokens.ValidateAsync(parts[1]);
        if (userId is null || !await users.ExistsAsync(userId.Value, cancellationToken)) return QuorraErrors.TokenInvalid;
        return userId.Value;
    }
}
