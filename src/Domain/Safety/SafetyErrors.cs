using System.Globalization;
using Speaking.Domain.Common;

namespace Speaking.Domain.Safety;

/// <summary>The user-facing texts of blocks, reports, suspensions and moderation.</summary>
public static class SafetyErrors
{
    public static readonly Error CannotBlockYourself = new(ErrorKind.BadRequest, "You cannot block yourself");
    public static readonly Error NotBlocked = new(ErrorKind.NotFound, "You have not blocked this user");
    public static readonly Error CannotReportYourself = new(ErrorKind.BadRequest, "You cannot report yourself");
    public static readonly Error AlreadyReported = new(ErrorKind.BadRequest, "You have already reported this user");
    public static readonly Error AlreadyReportedForSession = new(ErrorKind.BadRequest, "You have already reported this user for this session");
    /// <summary>The session does not exist, or the reporter and the reported user were not its two participants.</summary>
    public static readonly Error SessionNotFound = new(ErrorKind.NotFound, "Session not found");
    public static readonly Error AdminRequired = new(ErrorKind.Forbidden, "Admin access required");
    public static readonly Error NotSuspended = new(ErrorKind.BadRequest, "User is not suspended");

    /// <summary>invite_error when the invited user is suspended (it does not say why: that is between them and the moderators).</summary>
    public const string InviteeUnavailable = "This user cannot be invited right now";

    public const string SuspendedPrefix = "You are suspended from matching and invitations until ";

    /// <summary>
    /// A suspended user's join or invitation: 403 on REST, <c>error</c> / <c>invite_error</c> on the socket. Says until when
    /// (UTC, ISO 8601, whole seconds).
    /// </summary>
    public static Error Suspended(DateTime until) =>
        new(ErrorKind.Forbidden, SuspendedPrefix + until.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
}
