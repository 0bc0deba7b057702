using Speaking.Domain.Common;
using Speaking.Domain.Sessions;

namespace Speaking.Domain.Practice;

/// <summary>
/// When one participant may rate the other: once per session, only after it ended, and only when the call lasted
/// long enough to judge (short or broken calls are left out, as tutoring platforms leave them out of ratings). A
/// call that ended with a block is never rated: the blocked user must not get a way back at the one who blocked.
/// </summary>
public static class FeedbackRules
{
    public const int DefaultMinSessionSeconds = 120;
    public const int MaxCommentLength = 1000;

    public static Result CanRate(Session? session, Guid raterId, bool alreadyGiven, TimeSpan minimumLength)
    {
        if (session is null || !session.IsParticipant(raterId)) return PracticeErrors.SessionNotFound;
        if (session.IsActive || session.EndedAt is not { } endedAt) return PracticeErrors.SessionStillActive;
        if (session.EndReason == SessionEndReason.Blocked) return PracticeErrors.FeedbackNotAllowed;
        if (endedAt - session.StartedAt < minimumLength) return PracticeErrors.SessionTooShort;
        if (alreadyGiven) return PracticeErrors.FeedbackAlreadyGiven;
        return Result.Success();
    }
}
