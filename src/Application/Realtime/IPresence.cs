namespace Speaking.Application.Realtime;

/// <summary>
/// Who is connected, on which node, in which order: shared by every node (in memory with one node, Redis with
/// several). A user is online while at least one of their connections is registered.
/// </summary>
public interface IPresence
{
    /// <summary>Registers an accepted connection; returns its place among the user's connections and how many the user now has.</summary>
    Task<(long Order, int UserConnections)> RegisterAsync(ConnectionRef connection, Guid userId);

    /// <summary>Removes a connection; true when it was the user's last one.</summary>
    Task<bool> UnregisterAsync(ConnectionRef connection, Guid userId);

    /// <summary>The user's most recently opened live connection.</summary>
    Task<LiveConnection?> NewestAsync(Guid userId);

    Task<bool> IsLiveAsync(ConnectionRef connection, Guid userId);

    Task<bool> IsOnlineAsync(Guid userId);

    /// <summary>Those of <paramref name="users"/> who have a live connection.</summary>
    Task<IReadOnlySet<Guid>> OnlineAmongAsync(IReadOnlyCollection<Guid> users);

    /// <summary>Every online user (for the online list and count).</summary>
    Task<IReadOnlyCollection<Guid>> OnlineUsersAsync();
}
