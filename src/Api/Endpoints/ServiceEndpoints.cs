using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Speaking.Api.Endpoints;

public static class ServiceEndpoints
{
    public static void MapService(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => Results.Ok(new { message = "IELTS Speaking Partner API", status = "running", version = "1.0.0" }));
        app.MapGet("/health", () => Results.Ok(new { status = "healthy" }));
        app.MapGet("/health/ready", async (HealthCheckService health, CancellationToken ct) =>
        {
            var report = await health.CheckHealthAsync(ct);
            var ready = report.Status == HealthStatus.Healthy;
            return Results.Json(new { status = ready ? "ready" : "unavailable", database = report.Entries.TryGetValue("database", out var db) ? db.Status.ToString().ToLowerInvariant() : "unknown" },
                statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
    }
}
