namespace Speaking.Application.Partners;

public sealed record PartnerRequestView(Guid Id, Guid FromUserId, string FromUsername, double FromLevel, Guid ToUserId,
    string ToUsername, double ToLevel, string Status, DateTime CreatedAt);

public sealed record PartnerView(Guid Id, Guid UserId, string Username, double CurrentLevel, double TargetScore, bool IsOnline,
    DateTime LastSeen, DateTime PartnershipDate);

public sealed record UserSearchResult(Guid Id, string Username, double CurrentLevel, bool IsOnline, bool IsPartner, bool HasPendingRequest);

public sealed record StoredPartnerRequest(Guid Id, Guid FromUserId, Guid ToUserId, string Status, DateTime CreatedAt);

public enum RequestDecision
{
    Accepted,
    Rejected,
    /// <summary>Someone else decided it first.</summary>
    NoLongerPending,
}

public interface IPartnerRepository
{
    /// <summary>
    /// Usernames containing <paramref name="text"/> literally and case-insensitively, excluding the caller and anyone the
    /// caller blocked or who blocked the caller (A-5; a primary-key probe per candidate, both directions).
    /// </summary>
    Task<IReadOnlyList<UserSearchResult>> SearchAsync(Guid callerId, string text, int limit, CancellationToken ct);

    Task<bool> ArePartnersAsync(Guid userA, Guid userB, CancellationToken ct);

    Task<bool> HasPendingBetweenAsync(Guid userA, Guid userB, CancellationToken ct);

    /// <summary>When <paramref name="to"/> last rejected a request from <paramref name="from"/>, if ever.</summary>
    Task<DateTime?> LastRejectionAsync(Guid from, Guid to, CancellationToken ct);

    /// <summary>Inserts a pending request; false when one is already pending for the pair (unique index, D-12).</summary>
    Task<bool> TryCreateRequestAsync(StoredPartnerRequest request, CancellationToken ct);

    Task<PartnerRequestView?> GetRequestViewAsync(Guid requestId, CancellationToken ct);

    Task<StoredPartnerRequest?> GetRequestAsync(Guid requestId, CancellationToken ct);

    Task<IReadOnlyList<PartnerRequestView>> ListIncomingAsync(Guid userId, CancellationToken ct);

    /// <summary>Accepting marks the request accepted and creates the partnership in one transaction.</summary>
    Task<RequestDecision> DecideAsync(Guid requestId, bool accept, DateTime now, CancellationToken ct);

    Task<IReadOnlyList<PartnerView>> ListPartnersAsync(Guid userId, CancellationToken ct);

    Task<bool> RemovePartnershipAsync(Guid userA, Guid userB, CancellationToken ct);
}

public sealed class PartnerOptions
{
    /// <summary>D-29: a rejected sender waits this long before asking the same user again; 0 turns it off.</summary>
    public int PartnerRequestCooldownHours { get; set; } = 24;
}
