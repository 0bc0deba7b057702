namespace Speaking.Application.Common;

/// <summary>
/// Shared counters for limits that must hold however many requests arrive at once and on however many nodes
/// (issue 12 item 7): a limit is a reservation taken <em>before</em> the expensive or sensitive work, not a count
/// read before it and written after it. One node: in memory; several: Redis (a sorted set per key).
/// </summary>
public interface IAttemptLimiter
{
    /// <summary>
    /// Takes one attempt under <paramref name="key"/> if fewer than <paramref name="limit"/> are held, checking and
    /// taking together (atomically, across nodes). A held attempt counts until it is released or until
    /// <paramref name="window"/> has passed since it was taken. Null when the limit is reached.
    /// Throws when the store does not answer (the caller refuses the request: neither locked out nor let through).
    /// </summary>
    Task<AttemptReservation?> TryReserveAsync(string key, int limit, TimeSpan window, CancellationToken ct = default);

    /// <summary>
    /// Gives the attempt back at once (it no longer counts). Never throws: a release the store does not receive is
    /// lost, and the attempt counts until its window passes.
    /// </summary>
    Task ReleaseAsync(AttemptReservation reservation);
}

/// <summary>One held attempt: the key it counts under and its own identity within that key.</summary>
public sealed record AttemptReservation(string Key, string Id);
