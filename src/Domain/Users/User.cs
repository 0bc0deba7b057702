using Speaking.Domain.Common;

namespace Speaking.Domain.Users;

public sealed class User
{
    public const int UsernameMinLength = 2;
    public const int UsernameMaxLength = 100;
    public const double DefaultLevel = 6.0;
    public const double DefaultTargetScore = 7.0;

    private User() { }

    public Guid Id { get; private set; }
    public string Email { get; private set; } = "";
    public string PasswordHash { get; private set; } = "";
    public string Username { get; private set; } = "";
    public double CurrentLevel { get; private set; }
    public double TargetScore { get; private set; }
    public bool IsOnline { get; private set; }
    public DateTime LastSeen { get; private set; }
    public DateTime CreatedAt { get; private set; }
    /// <summary>A moderator: may list reports and lift suspensions (set by the <c>admin</c> command or ADMIN_EMAILS, never by the API).</summary>
    public bool IsAdmin { get; private set; }
    /// <summary>Reports suspended the user from matching and invitations until then (null: never, or lifted).</summary>
    public DateTime? SuspendedUntil { get; private set; }

    public static User Register(Guid id, string normalisedEmail, string passwordHash, string username,
        IeltsBand currentLevel, IeltsBand targetScore, DateTime now) => new()
    {
        Id = id,
        Email = normalisedEmail,
        PasswordHash = passwordHash,
        Username = username,
        CurrentLevel = currentLevel.Value,
        TargetScore = targetScore.Value,
        IsOnline = false,
        LastSeen = now,
        CreatedAt = now,
    };

    /// <summary>Rebuilds a user from storage.</summary>
    public static User Restore(Guid id, string email, string passwordHash, string username, double currentLevel,
        double targetScore, bool isOnline, DateTime lastSeen, DateTime createdAt, bool isAdmin = false, DateTime? suspendedUntil = null) => new()
    {
        Id = id,
        Email = email,
        PasswordHash = passwordHash,
        Username = username,
        CurrentLevel = currentLevel,
        TargetScore = targetScore,
        IsOnline = isOnline,
        LastSeen = lastSeen,
        CreatedAt = createdAt,
        IsAdmin = isAdmin,
        SuspendedUntil = suspendedUntil,
    };

    public IeltsBand Level => IeltsBand.From(CurrentLevel);

    public bool IsSuspendedAt(DateTime now) => SuspendedUntil is { } until && until > now;

    public void UpdateProfile(string? username, IeltsBand? currentLevel, IeltsBand? targetScore)
    {
        if (username is not null) Username = username;
        if (currentLevel is { } level) CurrentLevel = level.Value;
        if (targetScore is { } target) TargetScore = target.Value;
    }
}
