using Speaking.Application.Realtime;

namespace Speaking.Application.Sessions;

/// <summary>A pending call invitation (D-4, D-5), shared by every node.</summary>
public sealed record Invitation(Guid InviterId, Guid InviteeId, ConnectionRef? InviterConnection, DateTime ExpiresAt)
{
    /// <summary>An invitation can be answered for 60 s; a newer one from the same inviter replaces it.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);
}

public interface IInvitationRepository
{
    /// <summary>Records the inviter's pending invitation, replacing any earlier one of theirs.</summary>
    Task RecordAsync(Invitation invitation, CancellationToken ct);

    /// <summary>Removes and returns the pending invitation from inviter to invitee if there is one and it has not expired.</summary>
    Task<Invitation?> TryConsumeAsync(Guid inviterId, Guid inviteeId, DateTime now, CancellationToken ct);

    /// <summary>Forgets invitations that expired before <paramref name="before"/>.</summary>
    Task<int> PruneAsync(DateTime before, CancellationToken ct);
}
