using Speaking.Domain.Users;

namespace Speaking.Application.Users;

public interface IUserRepository
{
    /// <summary>Inserts the user; false when the email is taken (case-insensitively), also under a race.</summary>
    Task<bool> TryAddAsync(User user, CancellationToken ct);

    Task<User?> GetAsync(Guid id, CancellationToken ct);

    /// <summary>Case-insensitive look-up; an exact-case match wins over case variants.</summary>
    Task<User?> FindByEmailAsync(string email, CancellationToken ct);

    /// <summary>Ordered by created_at, then id.</summary>
    Task<IReadOnlyList<User>> ListAsync(bool onlineOnly, int skip, int limit, CancellationToken ct);

    Task<IReadOnlyList<User>> GetManyAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct);

    Task<int> CountOnlineAsync(CancellationToken ct);

    Task UpdateProfileAsync(User user, DateTime now, CancellationToken ct);

    Task SetPresenceAsync(Guid id, bool isOnline, DateTime now, CancellationToken ct);

    /// <summary>Ids of the users marked online.</summary>
    Task<IReadOnlyList<Guid>> ListOnlineIdsAsync(CancellationToken ct);

    /// <summary>
    /// Marks these users offline unless they were seen (connected) at or after <paramref name="seenSince"/>: a
    /// connection that opened after the caller looked at presence is never overwritten. Returns those marked offline.
    /// </summary>
    Task<IReadOnlyList<Guid>> SetOfflineUnlessSeenSinceAsync(IReadOnlyCollection<Guid> ids, DateTime seenSince, DateTime now, CancellationToken ct);
}
