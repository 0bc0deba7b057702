using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Speaking.Application.Realtime;
using Speaking.Infrastructure.Observability;
using Speaking.Infrastructure.Realtime;
using StackExchange.Redis;

namespace Speaking.Infrastructure.Redis;

public sealed class HeartbeatOptions
{
    /// <summary>NODE_HEARTBEAT_SECONDS: how often a node says it is alive.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A node silent for this long is dead (three missed beats).</summary>
    public TimeSpan Timeout => Interval * 3;
}

/// <summary>
/// Every node beats into a sorted set of nodes. A node that stopped beating (crashed, killed, cut off) is declared
/// dead by the first survivor that claims it: its connections are removed from presence and each goes through the
/// normal disconnect (offline and out of the queue when it was the user's last; its session gets the reconnect grace
/// with a stored deadline, or moves to the user's live connection on another node). So a node's users are offline
/// within the heartbeat timeout plus one beat, and their calls are not cut.
/// </summary>
public sealed class RedisNodeHeartbeat(RedisConnection redis, NodeIdentity node, IPresence presence, ConnectionRegistry registry, IServiceScopeFactory scopes,
    IOptions<HeartbeatOptions> options, SpeakingMetrics metrics, TimeProvider time, ILogger<RedisNodeHeartbeat> logger) : BackgroundService
{
    public static readonly RedisKey Nodes = RedisPresence.Prefix + "nodes";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        redis.Multiplexer.ConnectionRestored += (_, _) => _ = Task.Run(RestoreLocalConnectionsAsync, CancellationToken.None);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var now = time.GetUtcNow().ToUnixTimeMilliseconds();
                await redis.Database.SortedSetAddAsync(Nodes, node.Id, now);
                var dead = await redis.Database.SortedSetRangeByScoreAsync(Nodes, double.NegativeInfinity,
                    now - options.Value.Timeout.TotalMilliseconds, Exclude.Stop);
                foreach (var other in dead.Select(d => (string)d!).Where(d => d != node.Id))
                    await ReapAsync(other, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (Outage.Is(e))
            {
                logger.LogDebug("Heartbeat skipped: {Reason}", e.GetBaseException().Message);
            }
            catch (Exception e)
            {
                logger.LogError(e, "Heartbeat failed; trying again");
            }

            try
            {
                await Task.Delay(options.Value.Interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>Leaves the set of nodes on a clean stop (its connections were closed by the drain before this runs).</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await redis.Database.SortedSetRemoveAsync(Nodes, node.Id);
        }
        catch (Exception e) when (Outage.Is(e))
        {
        }
    }

    /// <summary>After Redis came back: this node's open sockets are listed again (a Redis restart loses presence).</summary>
    private async Task RestoreLocalConnectionsAsync()
    {
        if (presence is not RedisPresence shared) return;
        try
        {
            var open = registry.All().Where(c => c.IsOpen).ToArray();
            await redis.Database.SortedSetAddAsync(Nodes, node.Id, time.GetUtcNow().ToUnixTimeMilliseconds());
            foreach (var connection in open) await shared.RestoreAsync(connection.Ref, connection.UserId, connection.Order);
            if (open.Length > 0) logger.LogInformation("Redis is back: {Count} open connections listed in presence again", open.Length);
        }
        catch (Exception e) when (Outage.Is(e))
        {
            logger.LogWarning("Listing this node's connections in Redis again failed: {Reason}", e.GetBaseException().Message);
        }
    }

    private async Task ReapAsync(string dead, CancellationToken ct)
    {
        // One survivor claims the dead node; the claim lapses if it dies half-way, and another survivor finishes.
        if (!await redis.Database.StringSetAsync(RedisPresence.Prefix + "reap:" + dead, node.Id, TimeSpan.FromSeconds(60), When.NotExists)) return;

        var entries = await redis.Database.SetMembersAsync(RedisPresence.NodeConnections(dead));
        logger.LogWarning("Node {Node} stopped beating: closing its {Count} connections", dead, entries.Length);
        foreach (var entry in entries)
        {
            if (RedisPresence.ParseEntry(entry!) is not { } connection) continue;
            var wasLast = await presence.UnregisterAsync(connection.Connection, connection.UserId);
            try
            {
                await scopes.SendInScopeAsync(new ConnectionClosedCommand(connection.UserId, connection.Connection, wasLast), ct);
            }
            catch (Exception e) when (Outage.Is(e))
            {
                // Presence no longer lists the connection: the reconciliation applies the rest when the database is back.
                metrics.DatabaseErrors.WithLabels("reaper").Inc();
            }
        }

        await redis.Database.KeyDeleteAsync(RedisPresence.NodeConnections(dead));
        await redis.Database.SortedSetRemoveAsync(Nodes, dead);
    }
}
