using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Speaking.Infrastructure.Persistence;

/// <summary>Ready only when the database answers a trivial query within two seconds.</summary>
public sealed class DatabaseHealthCheck(NpgsqlDataSource db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await using var command = db.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(timeout.Token);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is OperationCanceledException || Outage.Is(e))
        {
            // The reason without the exception: the framework logs an unhealthy result with its exception, and a
            // stack trace on every readiness probe of an outage would flood the log.
            return HealthCheckResult.Unhealthy($"The database does not answer: {e.GetBaseException().Message}");
        }
    }
}
