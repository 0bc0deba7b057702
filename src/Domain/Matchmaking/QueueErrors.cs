using Speaking.Domain.Common;

namespace Speaking.Domain.Matchmaking;

public static class QueueErrors
{
    public static readonly Error AlreadyQueued = new(ErrorKind.BadRequest, "You are already in a queue");
    public static readonly Error NotQueued = new(ErrorKind.BadRequest, "You are not in any queue");
    public static readonly Error InSession = new(ErrorKind.BadRequest, "You are already in a session");
}
