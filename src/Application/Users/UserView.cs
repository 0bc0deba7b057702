using Speaking.Domain.Users;

namespace Speaking.Application.Users;

/// <summary>The wire's UserResponse. <see cref="Email"/> is null for anyone but the caller (D-6).</summary>
public sealed record UserView(Guid Id, string? Email, string Username, double CurrentLevel, double TargetScore,
    bool IsOnline, DateTime LastSeen, DateTime CreatedAt)
{
    public static UserView Of(User user, Guid? viewer) => new(user.Id, viewer == user.Id ? user.Email : null,
        user.Username, user.CurrentLevel, user.TargetScore, user.IsOnline, user.LastSeen, user.CreatedAt);
}
