using System.Security.Cryptography;
using System.Text;
using Speaking.Api.Hosting;
using Speaking.Api.Http;
using Speaking.Infrastructure.Configuration;
using Speaking.Infrastructure.Observability;

namespace Speaking.Api.Endpoints;

/// <summary>What operators use: Prometheus metrics and the API docs.</summary>
public static class OperationsEndpoints
{
    public static void MapOperations(this WebApplication app, SpeakingSettings settings)
    {
        app.MapGet("/metrics", async (HttpContext http, SpeakingMetrics metrics) =>
        {
            if (!MayScrape(http, settings.MetricsToken, out var refusal)) return refusal;
            http.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.Registry.CollectAndExportAsTextAsync(http.Response.Body, http.RequestAborted);
            return Results.Empty;
        }).AllowAnonymous().ExcludeFromDescription();

        app.MapApiDocs();
    }

    /// <summary>
    /// With METRICS_TOKEN set, only <c>Authorization: Bearer &lt;token&gt;</c> opens /metrics. Without it, only a request
    /// made straight from this machine (loopback, no forwarding header), so a proxy on the same host cannot publish it.
    /// </summary>
    private static bool MayScrape(HttpContext http, string? token, out IResult refusal)
    {
        refusal = Results.Empty;
        if (token is not null)
        {
            var header = http.Request.Headers.Authorization.ToString();
            var sent = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : "";
            if (CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(sent), Encoding.UTF8.GetBytes(token))) return true;
            http.Response.Headers.WWWAuthenticate = "Bearer";
            refusal = ErrorResponses.Detail(StatusCodes.Status401Unauthorized, ErrorResponses.NotAuthenticated);
            return false;
        }

        if (http.IsDirectLoopback()) return true;
        refusal = ErrorResponses.Detail(StatusCodes.Status403Forbidden, "Metrics are served only to local requests or with METRICS_TOKEN");
        return false;
    }
}
