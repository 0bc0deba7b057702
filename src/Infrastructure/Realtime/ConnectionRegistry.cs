using System.Collections.Concurrent;
using Speaking.Application.Realtime;

namespace Speaking.Infrastructure.Realtime;

/// <summary>
/// The live connections of this node, several per user (D-14). A message for a user goes to the most recently
/// opened live connection. Presence changes of one user are serialised through that user's gate, so the
/// "online" of a new tab can never be overtaken by the "offline" of a tab closing at the same moment.
/// </summary>
/// <remarks>
/// Behind <see cref="IRealtimeNotifier"/> and <see cref="IPresence"/>: a cross-node transport (PostgreSQL
/// LISTEN/NOTIFY) can replace it without touching the handlers.
/// </remarks>
public sealed class ConnectionRegistry : IRealtimeNotifier, IPresence
{
    private readonly ConcurrentDictionary<Guid, UserConnections> _users = new();

    public bool IsConnected(Guid userId) => _users.TryGetValue(userId, out var user) && user.Count > 0;

    public int ConnectionCount => _users.Values.Sum(u => u.Count);

    public ValueTask<bool> SendAsync(Guid userId, ServerMessage message)
    {
        if (!_users.TryGetValue(userId, out var user)) return ValueTask.FromResult(false);
        var frame = WireJson.Serialize(message);
        foreach (var connection in user.NewestFirst())
        {
            if (connection.TryEnqueue(frame)) return ValueTask.FromResult(true);
        }

        return ValueTask.FromResult(false);
    }

    /// <summary>Waits for the user's presence gate; dispose the result to release it.</summary>
    public async Task<IDisposable> EnterAsync(Guid userId, CancellationToken ct = default)
    {
        var user = _users.GetOrAdd(userId, _ => new UserConnections());
        await user.Gate.WaitAsync(ct);
        return new Releaser(user.Gate);
    }

    /// <summary>Adds a connection; true when it is the user's only one. Call inside <see cref="EnterAsync"/>.</summary>
    public bool Add(WebSocketConnection connection) => _users.GetOrAdd(connection.UserId, _ => new UserConnections()).Add(connection);

    /// <summary>Removes a connection; true when it was the user's last one. Call inside <see cref="EnterAsync"/>.</summary>
    public bool Remove(WebSocketConnection connection) =>
        _users.TryGetValue(connection.UserId, out var user) && user.Remove(connection);

    public IReadOnlyList<WebSocketConnection> All() => _users.Values.SelectMany(u => u.NewestFirst()).ToArray();

    private sealed class UserConnections
    {
        private readonly List<WebSocketConnection> _connections = [];

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public int Count
        {
            get { lock (_connections) return _connections.Count; }
        }

        public bool Add(WebSocketConnection connection)
        {
            lock (_connections)
            {
                _connections.Add(connection);
                return _connections.Count == 1;
            }
        }

        public bool Remove(WebSocketConnection connection)
        {
            lock (_connections)
            {
                return _connections.Remove(connection) && _connections.Count == 0;
            }
        }

        public WebSocketConnection[] NewestFirst()
        {
            lock (_connections)
            {
                var copy = _connections.ToArray();
                Array.Reverse(copy);
                return copy;
            }
        }
    }

    private sealed class Releaser(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) gate.Release();
        }
    }
}
