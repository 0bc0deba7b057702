using Speaking.Domain.Common;

namespace Speaking.Domain.Users;

public static class UserErrors
{
    public static readonly Error EmailTaken = new(ErrorKind.BadRequest, "Email already registered");
    public static readonly Error InvalidCredentials = new(ErrorKind.Unauthorized, "Incorrect email or password");
    public static readonly Error TooManyLoginAttempts = new(ErrorKind.TooManyRequests, "Too many login attempts");
    public static readonly Error TooManyRegistrations = new(ErrorKind.TooManyRequests, "Too many registration attempts");
    public static readonly Error NotFound = new(ErrorKind.NotFound, "User not found");

    /// <summary>The token's user was deleted between authentication and the use case: answered like any invalid token.</summary>
    public static readonly Error Gone = new(ErrorKind.Unauthorized, "Could not validate credentials");
    public static readonly Error NotYourProfile = new(ErrorKind.Forbidden, "You can only update your own profile");
}
