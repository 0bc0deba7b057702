using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Speaking.Infrastructure.Redis;

/// <summary>
/// The node's one connection to Redis (REDIS_URL), opened at start-up without waiting for Redis to answer: a node whose
/// Redis is down still starts and serves what does not need it, and reconnects by itself.
/// </summary>
public sealed class RedisConnection : IAsyncDisposable
{
    public RedisConnection(ConfigurationOptions options, ILogger<RedisConnection> logger)
    {
        Multiplexer = ConnectionMultiplexer.Connect(options.Clone());
        Multiplexer.ConnectionFailed += (_, e) => logger.LogWarning("Redis connection lost ({FailureType}): {Reason}", e.FailureType, e.Exception?.Message);
        Multiplexer.ConnectionRestored += (_, e) => logger.LogInformation("Redis connection restored");
    }

    public IConnectionMultiplexer Multiplexer { get; }

    public IDatabase Database => Multiplexer.GetDatabase();

    public ISubscriber Subscriber => Multiplexer.GetSubscriber();

    public bool IsConnected => Multiplexer.IsConnected;

    public async ValueTask DisposeAsync() => await Multiplexer.CloseAsync();
}
