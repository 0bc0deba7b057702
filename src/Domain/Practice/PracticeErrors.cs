using Speaking.Domain.Common;

namespace Speaking.Domain.Practice;

/// <summary>The practice feature's outcomes that are not success.</summary>
public static class PracticeErrors
{
    /// <summary>Also what a non-participant gets: a session of other people is none of their business.</summary>
    public static readonly Error SessionNotFound = new(ErrorKind.NotFound, "Session not found");
    public static readonly Error NoPracticeCard = new(ErrorKind.NotFound, "No practice card for this session");
    public static readonly Error SessionStillActive = new(ErrorKind.BadRequest, "Feedback opens when the session has ended");
    public static readonly Error SessionTooShort = new(ErrorKind.BadRequest, "Session too short for feedback");
    public static readonly Error FeedbackNotAllowed = new(ErrorKind.BadRequest, "Feedback is not possible for this session");
    public static readonly Error FeedbackAlreadyGiven = new(ErrorKind.BadRequest, "Feedback already given for this session");
}
