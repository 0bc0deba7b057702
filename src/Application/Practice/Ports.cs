using Speaking.Domain.Practice;

namespace Speaking.Application.Practice;

/// <summary>Which card and Part 1 questions a session got, as stored.</summary>
public sealed record PracticeAssignmentRecord(Guid SessionId, string CardId, int CardVersion, IReadOnlyList<string> Part1QuestionIds,
    DateTime AssignedAt);

public interface IPracticeRepository
{
    /// <summary>
    /// For each user, the cards of their last <paramref name="sessions"/> sessions (newest first, whoever the partner,
    /// whatever the outcome), leaving out <paramref name="exceptSessions"/>: the sessions being assigned right now.
    /// </summary>
    Task<IReadOnlyDictionary<Guid, IReadOnlySet<string>>> RecentCardsAsync(IReadOnlyCollection<Guid> users,
        IReadOnlyCollection<Guid> exceptSessions, int sessions, CancellationToken ct);

    /// <summary>Stores the proposed assignments; a session that already has one keeps it. Returns what is stored for those sessions.</summary>
    Task<IReadOnlyList<PracticeAssignmentRecord>> AssignAsync(IReadOnlyList<PracticeAssignmentRecord> proposed, CancellationToken ct);

    Task<PracticeAssignmentRecord?> GetAssignmentAsync(Guid sessionId, CancellationToken ct);
}

/// <summary>One peer rating as stored.</summary>
public sealed record StoredFeedback(Guid Id, Guid SessionId, Guid RaterId, Guid RatedUserId, PeerScores Scores, string? Comment,
    DateTime CreatedAt);

/// <summary>Count, distinct raters and per-criterion means of the ratings a user received in a window.</summary>
public sealed record RatingSummary(int Count, int Raters, CriterionAverages Averages);

public interface IFeedbackRepository
{
    Task<bool> HasGivenAsync(Guid sessionId, Guid raterId, CancellationToken ct);

    /// <summary>Inserts the rating; false when this rater already rated this session (unique index, also under a race).</summary>
    Task<bool> TryAddAsync(StoredFeedback feedback, CancellationToken ct);

    Task<IReadOnlyList<ReceivedRating>> ReceivedSinceAsync(Guid userId, DateTime since, CancellationToken ct);

    /// <summary>Summaries of the ratings received since <paramref name="since"/>; users without any are left out.</summary>
    Task<IReadOnlyDictionary<Guid, RatingSummary>> SummariesSinceAsync(IReadOnlyCollection<Guid> users, DateTime since, CancellationToken ct);

    Task<IReadOnlyList<StoredFeedback>> ForSessionAsync(Guid sessionId, CancellationToken ct);
}

/// <summary>A chat message as relayed between the two participants of an active session.</summary>
public sealed record ChatLine(Guid SessionId, Guid FromUserId, Guid ToUserId, string Message, DateTime SentAt);

/// <summary>A stored chat message of a session.</summary>
public sealed record StoredChatLine(Guid Id, Guid FromUserId, string Message, DateTime SentAt);

/// <summary>
/// Keeps the chat of sessions for their history. The chat handler calls <see cref="StoreAsync"/> after relaying;
/// storing is best effort: a failure is logged and never takes the relay down with it.
/// </summary>
public interface IChatArchive
{
    /// <summary>Stores the line under its session.</summary>
    Task StoreAsync(ChatLine line, CancellationToken ct);

    Task<IReadOnlyList<StoredChatLine>> TranscriptAsync(Guid sessionId, CancellationToken ct);

    /// <summary>Deletes every message sent before <paramref name="cutoff"/>; returns how many went.</summary>
    Task<int> DeleteOlderThanAsync(DateTime cutoff, CancellationToken ct);
}

/// <summary>The due scripts one node claimed: locked for this node until <see cref="CommitAsync"/> (or disposal, which gives them back).</summary>
public interface IPracticeScriptClaim : IAsyncDisposable
{
    IReadOnlyList<ClaimedScript> Scripts { get; }

    Task SaveAsync(PracticeScript script, CancellationToken ct);

    Task CommitAsync(CancellationToken ct);
}

public sealed record ClaimedScript(PracticeScript Script, bool SessionActive);

public interface IPracticeScriptRepository
{
    /// <summary>Stores a new running script; false when one is already running for the session (a finished or stopped one is replaced).</summary>
    Task<bool> TryStartAsync(PracticeScript script, CancellationToken ct);

    Task<PracticeScript?> GetAsync(Guid sessionId, CancellationToken ct);

    /// <summary>Stores a stop, if the script is still running in the database.</summary>
    Task<bool> SaveStopAsync(PracticeScript script, CancellationToken ct);

    /// <summary>
    /// Claims running scripts whose next phase change is due at <paramref name="now"/>, at most <paramref name="max"/>,
    /// skipping scripts another node holds (FOR UPDATE SKIP LOCKED), so every change is made by exactly one node.
    /// </summary>
    Task<IPracticeScriptClaim> ClaimDueAsync(DateTime now, int max, CancellationToken ct);
}

/// <summary>One of the caller's sessions, as history shows it.</summary>
public sealed record SessionHistoryRow(Guid SessionId, Guid PartnerId, string PartnerUsername, string Mode, DateTime StartedAt,
    DateTime? EndedAt, string Status, string? EndReason, Guid? EndedBy, PracticeAssignmentRecord? Practice, bool FeedbackGiven,
    bool FeedbackReceived);

public interface ISessionHistory
{
    /// <summary>The user's sessions, newest first.</summary>
    Task<IReadOnlyList<SessionHistoryRow>> ListAsync(Guid userId, int skip, int limit, CancellationToken ct);

    /// <summary>The session as the user sees it; null when it does not exist or the user was not in it.</summary>
    Task<SessionHistoryRow?> GetAsync(Guid userId, Guid sessionId, CancellationToken ct);
}

public enum LevelSource
{
    /// <summary>current_level, as the user set it.</summary>
    Self,
    /// <summary>The band partners measured, once there is one; current_level until then.</summary>
    Measured,
}

public sealed class PracticeOptions
{
    public int FeedbackMinSessionSeconds { get; set; } = FeedbackRules.DefaultMinSessionSeconds;
    public int ChatRetentionDays { get; set; } = 30;
    public LevelSource LevelSource { get; set; } = LevelSource.Self;
    public PracticeTimings Timings { get; set; } = PracticeTimings.Exam;
}
