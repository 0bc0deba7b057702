using Microsoft.Extensions.Diagnostics.HealthChecks;
using Speaking.Api.Docs;
using Speaking.Infrastructure.Realtime;

namespace Speaking.Api.Endpoints;

public static class ServiceEndpoints
{
    public static void MapService(this IEndpointRouteBuilder app)
    {
        var service = app.MapGroup("").WithTags("Service");
        service.MapGet("/", () => Results.Ok(new { message = "IELTS Speaking Partner API", status = "running", version = "1.0.0" }))
            .Describe("GetServiceInfo", "Service information", "Always {\"message\": \"IELTS Speaking Partner API\", \"status\": \"running\", \"version\": \"1.0.0\"}.")
            .Returns<ServiceInfo>();
        service.MapGet("/health", () => Results.Ok(new { status = "healthy" }))
            .Describe("GetHealth", "Liveness", "Always {\"status\": \"healthy\"} while the process serves requests.")
            .Returns<HealthResponse>();
        service.MapGet("/health/ready", async (HealthCheckService health, DrainState drain, CancellationToken ct) =>
        {
            // A draining node takes no new work, whatever its database says (amendment A-3): the balancer moves on.
            if (drain.IsDraining)
                return Results.Json(new { status = "draining", database = "unknown" }, statusCode: StatusCodes.Status503ServiceUnavailable);
            var report = await health.CheckHealthAsync(ct);
            var ready = report.Status == HealthStatus.Healthy;
            return Results.Json(new { status = ready ? "ready" : "unavailable", database = report.Entries.TryGetValue("database", out var db) ? db.Status.ToString().ToLowerInvariant() : "unknown" },
                statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        })
            .Describe("GetReadiness", "Readiness", "200 with status ready when the database answers; 503 with status unavailable when it does not, or with status draining once the node has begun a graceful stop (SIGTERM).")
            .Returns<ReadinessResponse>()
            .Returns<ReadinessResponse>(StatusCodes.Status503ServiceUnavailable);
    }
}
