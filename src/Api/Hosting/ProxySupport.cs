using Microsoft.AspNetCore.HttpOverrides;
using Speaking.Infrastructure.Configuration;

namespace Speaking.Api.Hosting;

public static class ProxySupport
{
    /// <summary>
    /// X-Forwarded-For and X-Forwarded-Proto are believed only from TRUSTED_PROXIES (the framework's default of
    /// trusting loopback is removed), so behind nginx the rate limits and logs see the real client address while a
    /// client talking to us directly cannot pick the address we see. Without TRUSTED_PROXIES the headers are not read
    /// at all: the middleware checks the peer only when some proxy is listed, so empty lists would trust everyone.
    /// </summary>
    public static IServiceCollection AddProxySupport(this IServiceCollection services, SpeakingSettings settings) =>
        services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = settings.TrustedProxies.Count == 0
                ? ForwardedHeaders.None
                : ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var network in settings.TrustedProxies) options.KnownIPNetworks.Add(network);
            options.ForwardLimit = null;
        });

    /// <summary>True when the request came straight from this machine: a loopback peer and no forwarding header of any kind.</summary>
    public static bool IsDirectLoopback(this HttpContext context)
    {
        var headers = context.Request.Headers;
        if (headers.ContainsKey("X-Forwarded-For") || headers.ContainsKey("X-Original-For") || headers.ContainsKey("Forwarded")
            || headers.ContainsKey("X-Real-IP"))
            return false;
        return context.Connection.RemoteIpAddress is { } address && System.Net.IPAddress.IsLoopback(address);
    }
}
