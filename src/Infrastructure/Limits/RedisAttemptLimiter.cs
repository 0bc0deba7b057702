using Microsoft.Extensions.Logging;
using Speaking.Application.Common;
using Speaking.Infrastructure.Redis;
using StackExchange.Redis;

namespace Speaking.Infrastructure.Limits;

/// <summary>
/// <see cref="IAttemptLimiter"/> shared by every node (REDIS_URL set): a sorted set per key whose members are the held
/// attempts, scored with the time each stops counting. One Lua script drops the aged-out members, counts the rest and
/// adds the new one, so the check and the take are one step for all nodes; the key expires with its newest attempt.
/// Times come from the node's clock (nodes' clocks differ by far less than a window). A release is a ZREM.
/// </summary>
public sealed class RedisAttemptLimiter(RedisConnection redis, TimeProvider time, ILogger<RedisAttemptLimiter> logger) : IAttemptLimiter
{
    public const string KeyPrefix = "speaking:attempts:";

    /// <summary>KEYS[1] the set; ARGV: now (ms), window (ms), limit, member. 1 when taken, 0 when the limit is reached.</summary>
    public const string ReserveScript = """
        local now = tonumber(ARGV[1])
        local window = tonumber(ARGV[2])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
          return 0
        end
        redis.call('ZADD', KEYS[1], now + window, ARGV[4])
        redis.call('PEXPIRE', KEYS[1], window)
        return 1
        """;

    public async Task<AttemptReservation?> TryReserveAsync(string key, int limit, TimeSpan window, CancellationToken ct = default)
    {
        var id = Guid.NewGuid().ToString("N");
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var windowMs = Math.Max(1, (long)window.TotalMilliseconds);
        // Errors propagate: a Redis that does not answer is an outage (503), never "no limit" and never "everyone refused".
        var taken = (long)await redis.Database.ScriptEvaluateAsync(ReserveScript, [(RedisKey)(KeyPrefix + key)], [now, windowMs, limit, id]);
        return taken == 1 ? new AttemptReservation(key, id) : null;
    }

    public async Task ReleaseAsync(AttemptReservation reservation)
    {
        try
        {
            await redis.Database.SortedSetRemoveAsync(KeyPrefix + reservation.Key, reservation.Id);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // The kind of limit only: the rest of the key is an email or an address.
            var kind = string.Join(':', reservation.Key.Split(':', 3).Take(2));
            logger.LogWarning("A {Limit} attempt could not be given back ({Reason}); it counts until its window passes", kind, e.Message);
        }
    }
}

/// <summary>
/// Creates the Redis limiter, and with it the node's Redis connection, while the node starts. Created by the first
/// login instead, the connection's synchronous connect would hold that request's thread, and every request waiting on
/// the container for the same singleton would hold one too: enough blocked threads to starve the pool, so Redis
/// answers are not read in time and requests fail with timeouts.
/// </summary>
internal sealed class RedisLimiterStartup : Microsoft.Extensions.Hosting.IHostedService
{
    /// <param name="limiter">Resolving it is the point.</param>
    public RedisLimiterStartup(IAttemptLimiter limiter) => ArgumentNullException.ThrowIfNull(limiter);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
