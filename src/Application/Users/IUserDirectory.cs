namespace Speaking.Application.Users;

/// <summary>
/// "Does this user exist?" — asked by authentication on every request and handshake. Answers are remembered
/// briefly; every node forgets a user the moment their row is deleted, so a deleted user's token stops working at once.
/// </summary>
public interface IUserDirectory
{
    Task<bool> ExistsAsync(Guid userId, CancellationToken ct);

    void Forget(Guid userId);
}
