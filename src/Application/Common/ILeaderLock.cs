namespace Speaking.Application.Common;

/// <summary>
/// A lock with a lease that at most one node holds at a time (the matchmaking round, the presence reconciliation).
/// If the holder dies, its lease ends with it and another node takes over on its next try.
/// </summary>
public interface ILeaderLock : IAsyncDisposable
{
    /// <summary>True while this node holds the lock; tries to take it when it does not.</summary>
    Task<bool> HoldAsync(CancellationToken ct);

    Task ReleaseAsync();
}

/// <summary>Makes a leader lock for a named job.</summary>
public interface ILeaderLocks
{
    ILeaderLock For(string job);
}
