using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Speaking.Infrastructure.Redis;

/// <summary>Redis answers a PING within two seconds (reported by readiness, never failing it).</summary>
public sealed class RedisHealthCheck(RedisConnection redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await redis.Database.PingAsync().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (Outage.Is(e) || e is StackExchange.Redis.RedisException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("Redis does not answer.");
        }
    }
}
