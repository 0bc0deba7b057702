namespace Speaking.Application.Users;

/// <summary>
/// The users' public records as the hot read paths need them: "does this user exist?" (authentication, on every
/// request and handshake), the caller's own record (<c>GET /auth/me</c>) and the online list
/// (<c>GET /users?online_only=true</c>). Answers come from memory while they are known to be current; every node
/// forgets a user the moment their row changes or is deleted, so a deleted user's token stops working at once and
/// the online list never misses a change.
/// </summary>
public interface IUserDirectory
{
    Task<bool> ExistsAsync(Guid userId, CancellationToken ct);

    /// <summary>The user's record as they see it themselves (with their email), or null when there is no such user.</summary>
    Task<UserView?> FindAsync(Guid userId, CancellationToken ct);

    /// <summary>
    /// The online users ordered by creation time then id, <paramref name="skip"/> then at most
    /// <paramref name="limit"/>; only <paramref name="viewer"/>'s own record carries an email (D-6).
    /// </summary>
    Task<IReadOnlyList<UserView>> OnlinePageAsync(Guid viewer, int skip, int limit, CancellationToken ct);

    void Forget(Guid userId);
}
