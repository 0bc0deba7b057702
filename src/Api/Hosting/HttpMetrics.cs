using Prometheus;
using Speaking.Infrastructure.Observability;

namespace Speaking.Api.Hosting;

public static class HttpMetrics
{
    /// <summary>Request duration by route, method and status (prometheus-net), in this service's own registry.</summary>
    public static IApplicationBuilder UseHttpMetrics(this IApplicationBuilder app, SpeakingMetrics metrics) =>
        app.UseHttpMetrics(options =>
        {
            options.SetMetricFactory(metrics.Factory);
            options.ReduceStatusCodeCardinality();
        });
}
