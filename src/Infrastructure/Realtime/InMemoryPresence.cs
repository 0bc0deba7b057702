using Speaking.Application.Realtime;

namespace Speaking.Infrastructure.Realtime;

/// <summary>Presence for a single node (REDIS_URL unset): who is connected to this process.</summary>
public sealed class InMemoryPresence : IPresence
{
    private readonly Dictionary<Guid, List<LiveConnection>> _users = new();
    private readonly Lock _gate = new();
    private long _order;

    public Task<(long Order, int UserConnections)> RegisterAsync(ConnectionRef connection, Guid userId)
    {
        lock (_gate)
        {
            if (!_users.TryGetValue(userId, out var list)) _users[userId] = list = [];
            var order = ++_order;
            list.Add(new LiveConnection(connection, order));
            return Task.FromResult((order, list.Count));
        }
    }

    public Task<bool> UnregisterAsync(ConnectionRef connection, Guid userId)
    {
        lock (_gate)
        {
            if (!_users.TryGetValue(userId, out var list) || list.RemoveAll(c => c.Connection == connection) == 0) return Task.FromResult(false);
            if (list.Count > 0) return Task.FromResult(false);
            _users.Remove(userId);
            return Task.FromResult(true);
        }
    }

    public Task<LiveConnection?> NewestAsync(Guid userId)
    {
        lock (_gate)
        {
            return Task.FromResult(_users.TryGetValue(userId, out var list) && list.Count > 0 ? list[^1] : (LiveConnection?)null);
        }
    }

    public Task<bool> IsLiveAsync(ConnectionRef connection, Guid userId)
    {
        lock (_gate)
        {
            return Task.FromResult(_users.TryGetValue(userId, out var list) && list.Exists(c => c.Connection == connection));
        }
    }

    public Task<bool> IsOnlineAsync(Guid userId)
    {
        lock (_gate)
        {
            return Task.FromResult(_users.ContainsKey(userId));
        }
    }

    public Task<IReadOnlySet<Guid>> OnlineAmongAsync(IReadOnlyCollection<Guid> users)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlySet<Guid>>(users.Where(_users.ContainsKey).ToHashSet());
        }
    }

    public Task<IReadOnlyCollection<Guid>> OnlineUsersAsync()
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyCollection<Guid>>(_users.Keys.ToArray());
        }
    }
}
