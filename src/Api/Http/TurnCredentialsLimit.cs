using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Speaking.Api.Endpoints;
using Speaking.Infrastructure.Configuration;

namespace Speaking.Api.Http;

/// <summary>
/// Anonymous TURN credentials per client address (the one resolved through TRUSTED_PROXIES), in fixed one-minute
/// windows of TURN_CREDENTIALS_PER_MINUTE. IPv6 clients are counted per /64, the block one subscriber usually holds, so
/// walking through one's own addresses does not reset the count. Over the limit: 429 with Retry-After.
/// </summary>
internal static class TurnCredentialsLimit
{
    public const string Rejected = "Too many TURN credential requests";

    public static IServiceCollection AddTurnCredentialsLimit(this IServiceCollection services, SpeakingSettings settings) =>
        services.AddRateLimiter(options =>
            options.AddPolicy(WebrtcEndpoints.TurnCredentialsPolicy, new Policy(settings.Turn.CredentialsPerMinute)));

    /// <summary>An IPv4 address (also when IPv4-mapped) as itself; an IPv6 address as its /64.</summary>
    public static string PartitionKey(IPAddress? address)
    {
        if (address is null) return "unknown";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    /// <summary>Its own rejection (this policy's 429 text), whatever the service-wide OnRejected says.</summary>
    private sealed class Policy(int perMinute) : IRateLimiterPolicy<string>
    {
        public Func<OnRejectedContext, CancellationToken, ValueTask> OnRejected { get; } = (context, _) =>
        {
            if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait))
                context.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return new ValueTask(ErrorResponses.WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, Rejected));
        };

        public RateLimitPartition<string> GetPartition(HttpContext httpContext) =>
            RateLimitPartition.GetFixedWindowLimiter(PartitionKey(httpContext.Connection.RemoteIpAddress), _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = perMinute,
                Window = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
            });
    }
}
