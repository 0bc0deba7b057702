using Prometheus;
using Speaking.Infrastructure.Observability;

namespace Speaking.Api.Hosting;

public static class HttpMetrics
{
    /// <summary>
    /// Request count, duration and in-progress gauge by route template (<c>endpoint</c>), method and status code
    /// (prometheus-net), in this service's own registry. Codes stay exact (a 503 outage and a 500 defect, a 401 and
    /// a 429, are different alarms); their number is bounded, as routes are templates, never raw paths.
    /// </summary>
    public static IApplicationBuilder UseHttpMetrics(this IApplicationBuilder app, SpeakingMetrics metrics) =>
        app.UseHttpMetrics(options => options.SetMetricFactory(metrics.Factory));
}
