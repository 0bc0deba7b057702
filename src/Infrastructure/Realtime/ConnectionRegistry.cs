using System.Collections.Concurrent;
using Speaking.Application.Realtime;

namespace Speaking.Infrastructure.Realtime;

/// <summary>
/// The connections this node holds, by reference and by user. An entry lives exactly as long as its connection:
/// a user's entry is removed with their last connection, so the registry does not grow with every user ever seen.
/// It answers <see cref="ISessionBindings"/> from memory (the relay check) and delivers to local connections.
/// </summary>
public sealed class ConnectionRegistry(NodeIdentity node) : ISessionBindings
{
    private readonly ConcurrentDictionary<long, WebSocketConnection> _byNumber = new();
    private readonly ConcurrentDictionary<Guid, int> _perUser = new();
    private long _sequence;

    public string Node => node.Id;

    public int Count => _byNumber.Count;

    public int UserCount => _perUser.Count;

    /// <summary>A fresh reference for a connection about to be accepted on this node.</summary>
    public ConnectionRef NextReference() => new(node.Id, Interlocked.Increment(ref _sequence));

    public void Add(WebSocketConnection connection)
    {
        _byNumber[connection.Ref.Number] = connection;
        _perUser.AddOrUpdate(connection.UserId, 1, (_, n) => n + 1);
    }

    public void Remove(WebSocketConnection connection)
    {
        if (!_byNumber.TryRemove(new KeyValuePair<long, WebSocketConnection>(connection.Ref.Number, connection))) return;
        while (true)
        {
            if (!_perUser.TryGetValue(connection.UserId, out var n)) return;
            if (n <= 1 ? _perUser.TryRemove(new KeyValuePair<Guid, int>(connection.UserId, n)) : _perUser.TryUpdate(connection.UserId, n - 1, n)) return;
        }
    }

    /// <summary>How many connections this user holds on this node.</summary>
    public int CountFor(Guid userId) => _perUser.TryGetValue(userId, out var n) ? n : 0;

    public WebSocketConnection? Find(ConnectionRef reference) =>
        reference.Node == node.Id && _byNumber.TryGetValue(reference.Number, out var connection) ? connection : null;

    public IReadOnlyCollection<WebSocketConnection> All() => _byNumber.Values.ToArray();

    public SessionBinding? Of(ConnectionRef connection) => Find(connection)?.Binding;

    public void Release(ConnectionRef connection, Guid sessionId) => Find(connection)?.Release(sessionId);

    public bool IsGone(ConnectionRef connection) => connection.Node == node.Id && Find(connection) is not { IsOpen: true };
}

/// <summary>This process's name in the cluster: random per start, so connections of a previous run are never mistaken for live ones.</summary>
public sealed class NodeIdentity
{
    public string Id { get; } = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(5)).ToLowerInvariant();
}
