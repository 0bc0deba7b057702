namespace Speaking.Domain.Safety;

/// <summary>What the reporter and the reported user had to do with each other before the report.</summary>
/// <param name="SharedSession">They were in a call together (any session, however it ended).</param>
/// <param name="InvitedByTarget">The reported user once invited the reporter to a call.</param>
/// <param name="RequestFromTarget">The reported user once sent the reporter a partner request (whatever became of it).</param>
public sealed record ReportContact(bool SharedSession, bool InvitedByTarget, bool RequestFromTarget)
{
    public static readonly ReportContact None = new(false, false, false);

    /// <summary>
    /// Whether the report counts toward a suspension. Only someone the reported user reached can make it count, so
    /// accounts made to report a stranger they never met cannot suspend anyone; their reports are still stored and
    /// shown to moderators.
    /// </summary>
    public bool Counts => SharedSession || InvitedByTarget || RequestFromTarget;
}

/// <summary>A report that counts (its reporter had contact with the reported user) and that no moderator has resolved.</summary>
public readonly record struct CountedReport(Guid ReporterId, DateTime At);

/// <summary><c>REPORT_SUSPEND_THRESHOLD</c> distinct reporters within <c>REPORT_WINDOW_DAYS</c>.</summary>
public sealed record SuspensionPolicy
{
    public const int DefaultThreshold = 3;
    public const int DefaultWindowDays = 7;

    public SuspensionPolicy(int threshold, TimeSpan window)
    {
        if (threshold < 1) throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "At least one reporter is needed.");
        if (window <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(window), window, "The window must be positive.");
        Threshold = threshold;
        Window = window;
    }

    public static SuspensionPolicy Default { get; } = new(DefaultThreshold, TimeSpan.FromDays(DefaultWindowDays));

    public int Threshold { get; }

    public TimeSpan Window { get; }
}

/// <summary>
/// When reports suspend a user, as a pure function. A user is suspended from the moment counted reports from
/// <see cref="SuspensionPolicy.Threshold"/> distinct reporters fall within one <see cref="SuspensionPolicy.Window"/>,
/// for one window from that moment: the reports at time <c>t</c> suspend until <c>t + window</c> when the reports in
/// <c>(t − window, t]</c> come from at least threshold different reporters. A later report that still finds enough
/// reporters within its window extends the suspension; repeated reports from one reporter never add up.
/// </summary>
public static class SuspensionRule
{
    /// <summary>The end of the latest suspension these reports cause, or null when they cause none.</summary>
    /// <remarks>O(n log n): one sort, then a sliding window with a count per reporter.</remarks>
    public static DateTime? SuspendedUntil(IEnumerable<CountedReport> reports, SuspensionPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(reports);
        ArgumentNullException.ThrowIfNull(policy);
        var sorted = reports.OrderBy(r => r.At).ToArray();
        var inWindow = new Dictionary<Guid, int>();
        DateTime? until = null;
        int first = 0, next = 0;
        while (next < sorted.Length)
        {
            var at = sorted[next].At;
            // Every report made at this instant belongs to the window ending here.
            while (next < sorted.Length && sorted[next].At == at)
            {
                var reporter = sorted[next++].ReporterId;
                inWindow[reporter] = inWindow.GetValueOrDefault(reporter) + 1;
            }

            // The window is (at − window, at]: a report exactly one window old has dropped out.
            while (sorted[first].At <= at - policy.Window)
            {
                var reporter = sorted[first++].ReporterId;
                if (--inWindow[reporter] == 0) inWindow.Remove(reporter);
            }

            if (inWindow.Count >= policy.Threshold) until = at + policy.Window;
        }

        return until;
    }

    /// <summary>How far back reports can still matter at <paramref name="now"/>: a suspension ending after now started within one window, counting reports from the window before it.</summary>
    public static DateTime RelevantSince(DateTime now, SuspensionPolicy policy) => now - 2 * policy.Window;
}
