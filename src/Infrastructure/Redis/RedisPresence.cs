using Speaking.Application.Realtime;
using StackExchange.Redis;

namespace Speaking.Infrastructure.Redis;

/// <summary>
/// Presence shared by every node (REDIS_URL set). Per user a sorted set of their connections scored by a cluster-wide
/// sequence (the highest is the newest, D-14); a set of online users; per node a set of "connection|user" entries, so
/// the connections of a node that died can be found and closed by the survivors (<see cref="RedisNodeHeartbeat"/>).
/// Registering and unregistering are one Lua script each, so the three structures always agree.
/// </summary>
public sealed class RedisPresence(RedisConnection redis) : IPresence
{
    public const string Prefix = "speaking:";
    private static readonly RedisKey Sequence = Prefix + "connection-sequence";
    private static readonly RedisKey Online = Prefix + "online";

    private static readonly LuaScript Register = LuaScript.Prepare("""
        local order = redis.call('INCR', @sequence)
        redis.call('ZADD', @userConnections, order, @connection)
        redis.call('SADD', @online, @user)
        redis.call('SADD', @nodeConnections, @entry)
        return { order, redis.call('ZCARD', @userConnections) }
        """);

    private static readonly LuaScript Unregister = LuaScript.Prepare("""
        local removed = redis.call('ZREM', @userConnections, @connection)
        redis.call('SREM', @nodeConnections, @entry)
        if removed == 1 and redis.call('ZCARD', @userConnections) == 0 then
            redis.call('DEL', @userConnections)
            redis.call('SREM', @online, @user)
            return 1
        end
        return 0
        """);

    private static readonly LuaScript Restore = LuaScript.Prepare("""
        redis.call('ZADD', @userConnections, @order, @connection)
        redis.call('SADD', @online, @user)
        redis.call('SADD', @nodeConnections, @entry)
        if tonumber(redis.call('GET', @sequence) or '0') < tonumber(@order) then redis.call('SET', @sequence, @order) end
        return 1
        """);

    public static RedisKey UserConnections(Guid userId) => Prefix + "user:" + userId.ToString("N") + ":connections";

    public static RedisKey NodeConnections(string node) => Prefix + "node:" + node + ":connections";

    public static string Entry(ConnectionRef connection, Guid userId) => connection + "|" + userId.ToString("N");

    public static (ConnectionRef Connection, Guid UserId)? ParseEntry(string entry)
    {
        var bar = entry.LastIndexOf('|');
        return bar > 0 && ConnectionRef.Parse(entry[..bar]) is { } connection && Guid.TryParse(entry[(bar + 1)..], out var user)
            ? (connection, user)
            : null;
    }

    public async Task<(long Order, int UserConnections)> RegisterAsync(ConnectionRef connection, Guid userId)
    {
        var result = (RedisResult[])(await Register.EvaluateAsync(redis.Database, new
        {
            sequence = Sequence, userConnections = UserConnections(userId), online = Online, nodeConnections = NodeConnections(connection.Node),
            connection = connection.ToString(), user = userId.ToString("N"), entry = Entry(connection, userId),
        }))!;
        return ((long)result[0], (int)result[1]);
    }

    /// <summary>
    /// Puts a live connection of this node back with its original order, after Redis came back without its data (a
    /// restart): presence must list the sockets that are still open, or their calls would be taken for abandoned.
    /// </summary>
    public Task RestoreAsync(ConnectionRef connection, Guid userId, long order) =>
        Restore.EvaluateAsync(redis.Database, new
        {
            sequence = Sequence, userConnections = UserConnections(userId), online = Online, nodeConnections = NodeConnections(connection.Node),
            connection = connection.ToString(), user = userId.ToString("N"), entry = Entry(connection, userId), order,
        });

    public async Task<bool> UnregisterAsync(ConnectionRef connection, Guid userId) =>
        (int)await Unregister.EvaluateAsync(redis.Database, new
        {
            userConnections = UserConnections(userId), online = Online, nodeConnections = NodeConnections(connection.Node),
            connection = connection.ToString(), user = userId.ToString("N"), entry = Entry(connection, userId),
        }) == 1;

    public async Task<LiveConnection?> NewestAsync(Guid userId)
    {
        var newest = await redis.Database.SortedSetRangeByRankWithScoresAsync(UserConnections(userId), 0, 0, Order.Descending);
        return newest.Length == 1 && ConnectionRef.Parse(newest[0].Element) is { } connection
            ? new LiveConnection(connection, (long)newest[0].Score)
            : null;
    }

    public async Task<bool> IsLiveAsync(ConnectionRef connection, Guid userId) =>
        await redis.Database.SortedSetScoreAsync(UserConnections(userId), connection.ToString()) is not null;

    public Task<bool> IsOnlineAsync(Guid userId) => redis.Database.SetContainsAsync(Online, userId.ToString("N"));

    public async Task<IReadOnlySet<Guid>> OnlineAmongAsync(IReadOnlyCollection<Guid> users)
    {
        if (users.Count == 0) return new HashSet<Guid>();
        var list = users.ToArray();
        var found = await redis.Database.SetContainsAsync(Online, list.Select(u => (RedisValue)u.ToString("N")).ToArray());
        var online = new HashSet<Guid>();
        for (var i = 0; i < list.Length; i++)
        {
            if (found[i]) online.Add(list[i]);
        }

        return online;
    }

    public async Task<IReadOnlyCollection<Guid>> OnlineUsersAsync() =>
        (await redis.Database.SetMembersAsync(Online)).Select(v => Guid.TryParse((string?)v, out var id) ? id : Guid.Empty)
            .Where(id => id != Guid.Empty).ToArray();
}
