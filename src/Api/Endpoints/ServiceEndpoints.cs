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
            // A draining node takes no new work, whatever its database says (amendment A-3): the balancer moves on. Checked
            // again after the checks, so a drain that began meanwhile answers the same body.
            static IResult Draining() => Results.Json(new { status = "draining", database = "unknown" }, statusCode: StatusCodes.Status503ServiceUnavailable);
            if (drain.IsDraining) return Draining();
            var report = await health.CheckHealthAsync(ct);
            if (drain.IsDraining) return Draining();
            string StatusOf(string name) => report.Entries.TryGetValue(name, out var entry) ? entry.Status.ToString().ToLowerInvariant() : "unknown";
            var database = StatusOf("database");
            var ready = database == "healthy";
            var body = new Dictionary<string, string> { ["status"] = ready ? "ready" : "unavailable", ["database"] = database };
            if (report.Entries.ContainsKey("redis")) body["redis"] = StatusOf("redis");
            return Results.Json(body, statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        })
            .Describe("GetReadiness", "Readiness",
                "200 with status ready when the database answers; 503 while it does not, and during a graceful stop (draining). Redis, when configured, is reported but never turns readiness to 503.")
            .Returns<ReadinessResponse>()
            .Returns<ReadinessResponse>(StatusCodes.Status503ServiceUnavailable);
    }
}
