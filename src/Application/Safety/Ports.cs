using Speaking.Domain.Common;
using Speaking.Domain.Matchmaking;
using Speaking.Domain.Safety;

namespace Speaking.Application.Safety;

/// <summary>One of the caller's blocks, as <c>GET /users/me/blocks</c> lists it.</summary>
public sealed record BlockView(Guid UserId, string Username, DateTime BlockedAt);

public interface IBlockRepository
{
    /// <summary>
    /// Stores the block (an existing one is kept as it was) and, in the same transaction, ends what the two shared: their
    /// partnership, pending partner requests either way (closed as rejected, so they remain evidence of contact) and
    /// pending call invitations either way. Returns the block as the blocker's list shows it.
    /// </summary>
    Task<BlockView> BlockAsync(Guid blockerId, Guid blockedId, DateTime now, CancellationToken ct);

    /// <summary>Removes the caller's own block; false when there was none. A block the other user made stays.</summary>
    Task<bool> UnblockAsync(Guid blockerId, Guid blockedId, CancellationToken ct);

    /// <summary>The caller's blocks, newest first. Blocks made by others against the caller are never listed.</summary>
    Task<IReadOnlyList<BlockView>> ListAsync(Guid blockerId, CancellationToken ct);

    /// <summary>Whether either user has blocked the other (two primary-key probes).</summary>
    Task<bool> EitherBlocksAsync(Guid a, Guid b, CancellationToken ct);
}

/// <summary>
/// What a matchmaking round needs to know about safety, read for the users waiting in it. Each read is indexed: the
/// users' primary keys, the blocks' primary key and the sessions' start time.
/// </summary>
public interface IMatchRestrictions
{
    /// <summary>Those of <paramref name="users"/> whose suspension runs past <paramref name="now"/>.</summary>
    Task<IReadOnlySet<Guid>> SuspendedAmongAsync(IReadOnlyCollection<Guid> users, DateTime now, CancellationToken ct);

    /// <summary>Pairs of <paramref name="users"/> where one blocked the other, each once whoever blocked whom.</summary>
    Task<IReadOnlySet<UserPair>> BlockedPairsAmongAsync(IReadOnlyCollection<Guid> users, CancellationToken ct);

    /// <summary>
    /// Pairs of <paramref name="users"/> who had a session that started at or after <paramref name="since"/> (now minus
    /// REPEAT_PARTNER_COOLDOWN_MINUTES), each once. For the pairing function's "no instant re-pairing" rule.
    /// </summary>
    Task<IReadOnlySet<UserPair>> RecentPairsAmongAsync(IReadOnlyCollection<Guid> users, DateTime since, CancellationToken ct);
}

public sealed record StoredReport(Guid Id, Guid ReporterId, Guid TargetId, ReportReason Reason, string? Details, Guid? SessionId,
    bool Counted, DateTime CreatedAt);

/// <summary>A report as a moderator sees it.</summary>
public sealed record AdminReportView(Guid Id, Guid ReporterId, string ReporterUsername, Guid TargetUserId, string TargetUsername,
    string Reason, string? Details, Guid? SessionId, bool Counted, DateTime CreatedAt, DateTime? ResolvedAt, DateTime? TargetSuspendedUntil);

public interface IReportRepository
{
    /// <summary>What <paramref name="target"/> had to do with <paramref name="reporter"/> before (indexed look-ups).</summary>
    Task<ReportContact> ContactAsync(Guid reporter, Guid target, CancellationToken ct);

    /// <summary>
    /// Stores the report unless this reporter already reported this target for this session (or, without a session,
    /// without one): then null. Reports on one target are stored one at a time (the target's row is locked), and the
    /// answer is the target's counted, unresolved reports made at or after <paramref name="countSince"/>, this one
    /// included: whatever reports arrive together, the last of them sees them all.
    /// </summary>
    Task<IReadOnlyList<CountedReport>?> AddAsync(StoredReport report, DateTime countSince, CancellationToken ct);

    /// <summary>
    /// Suspends the user until <paramref name="until"/> unless a later suspension is already stored, and unless the report
    /// that caused it was resolved meanwhile (a moderator's lift wins over a report that raced with it).
    /// </summary>
    Task SuspendAsync(Guid userId, DateTime until, Guid causedBy, CancellationToken ct);

    /// <summary>
    /// Reports newest first; when given, only those on <paramref name="target"/>; with <paramref name="suspendedOnly"/>, only
    /// the unresolved reports on users suspended at <paramref name="now"/>.
    /// </summary>
    Task<IReadOnlyList<AdminReportView>> ListAsync(Guid? target, bool suspendedOnly, DateTime now, int skip, int limit, CancellationToken ct);

    /// <summary>Ends the user's suspension and resolves every open report on them (they never count again); the number resolved.</summary>
    Task<int> LiftSuspensionAsync(Guid userId, Guid moderatorId, DateTime now, CancellationToken ct);
}

/// <summary>The queue as <c>GET /queue/stats</c> shows it, read in one round trip.</summary>
/// <param name="Waiting">Active tickets per mode (both modes always present).</param>
/// <param name="WaitingByBand">Active level-filter tickets per half band (<see cref="QueueInsight.HalfBandOf"/>), only bands with someone.</param>
/// <param name="Matches">Matches of the last hour per mode: their count and the median wait of their tickets in seconds.</param>
/// <param name="BandMedianSeconds">The median wait of the last hour's level-filter tickets in the asked half band.</param>
/// <param name="PartnerWaiting">Another user's active level-filter ticket is within ±0.5 of the asked level.</param>
public sealed record QueueSnapshot(IReadOnlyDictionary<QueueMode, int> Waiting, IReadOnlyList<(double Band, int Waiting)> WaitingByBand,
    IReadOnlyDictionary<QueueMode, (int Count, double? MedianSeconds)> Matches, double? BandMedianSeconds, bool PartnerWaiting);

public interface IQueueInsight
{
    /// <summary>The snapshot at <paramref name="now"/>, with the estimate inputs for <paramref name="caller"/> at <paramref name="level"/>.</summary>
    Task<QueueSnapshot> SnapshotAsync(Guid caller, double level, DateTime now, CancellationToken ct);
}

public sealed class SafetyOptions
{
    /// <summary>REPORT_SUSPEND_THRESHOLD: distinct reporters (with contact) within the window that suspend a user.</summary>
    public int ReportSuspendThreshold { get; set; } = SuspensionPolicy.DefaultThreshold;

    /// <summary>REPORT_WINDOW_DAYS: the window of the threshold, and how long a suspension lasts.</summary>
    public int ReportWindowDays { get; set; } = SuspensionPolicy.DefaultWindowDays;

    public SuspensionPolicy Policy => new(ReportSuspendThreshold, TimeSpan.FromDays(ReportWindowDays));
}
