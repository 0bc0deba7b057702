using System.Text.Json.Serialization;
using Speaking.Domain.Quorra;

namespace Speaking.Application.Quorra.Auth;

public interface IQuorraUserRepository
{
    /// <summary>False when the username (compared without regard to case) is taken.</summary>
    Task<bool> TryAddAsync(QuorraUser user, CancellationToken ct);

    Task<QuorraUser?> FindByUsernameAsync(string username, CancellationToken ct);

    Task<bool> ExistsAsync(Guid id, CancellationToken ct);
}

/// <summary>Quorra's tokens: claim <c>id</c>, audience "quorra", 7 days, signed with a key of their own.</summary>
public interface IQuorraTokens
{
    string Issue(Guid userId);

    /// <summary>The token's user id, or null when it is not a valid, unexpired Quorra token.</summary>
    Task<Guid?> ValidateAsync(string token);
}

public sealed record QuorraRegistered(string Message, [property: JsonPropertyName("userId")] Guid UserId);

public sealed record QuorraToken(string Token);
