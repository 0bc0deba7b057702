namespace Speaking.Domain.Quorra;

/// <summary>A Quorra account: its own table, apart from Speaking's users. Usernames are unique without regard to case.</summary>
public sealed class QuorraUser
{
    private QuorraUser() { }

    public Guid Id { get; private init; }
    public string Username { get; private init; } = "";
    public string PasswordHash { get; private init; } = "";
    public DateTime CreatedAt { get; private init; }

    public static QuorraUser Register(Guid id, string username, string passwordHash, DateTime now) =>
        new() { Id = id, Username = username, PasswordHash = passwordHash, CreatedAt = now };

    public static QuorraUser Restore(Guid id, string username, string passwordHash, DateTime createdAt) =>
        new() { Id = id, Username = username, PasswordHash = passwordHash, CreatedAt = createdAt };
}
