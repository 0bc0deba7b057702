namespace Speaking.Domain.Partners;

/// <summary>
/// Pending call invitations between partners (D-4, D-5). An inviter has at most one pending invitation:
/// a newer one replaces it. An invitation expires <see cref="Lifetime"/> after it was sent and is consumed
/// by the invitee's answer. Pure rules: the caller passes the time in. Thread-safe.
/// </summary>
public sealed class InvitationBook
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);

    private readonly Dictionary<Guid, (Guid Invitee, DateTime ExpiresAt)> _byInviter = new();
    private readonly Lock _gate = new();

    public void Record(Guid inviter, Guid invitee, DateTime now)
    {
        lock (_gate)
        {
            _byInviter[inviter] = (invitee, now + Lifetime);
            if (_byInviter.Count > 1024) Prune(now);
        }
    }

    /// <summary>Removes and reports the pending, unexpired invitation from inviter to invitee, if there is one.</summary>
    public bool TryConsume(Guid inviter, Guid invitee, DateTime now)
    {
        lock (_gate)
        {
            if (!_byInviter.TryGetValue(inviter, out var pending) || pending.Invitee != invitee) return false;
            _byInviter.Remove(inviter);
            return pending.ExpiresAt > now;
        }
    }

    public int Count
    {
        get { lock (_gate) return _byInviter.Count; }
    }

    private void Prune(DateTime now)
    {
        foreach (var (inviter, pending) in _byInviter.ToArray())
        {
            if (pending.ExpiresAt <= now) _byInviter.Remove(inviter);
        }
    }
}
