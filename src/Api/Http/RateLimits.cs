using System.Threading.RateLimiting;
using Speaking.Api.Endpoints;
using Speaking.Infrastructure.Configuration;

namespace Speaking.Api.Http;

internal static class RegistrationLimit
{
    public const string Rejected = "Too many registration attempts";

    /// <summary>D-8: registrations per client address, loose enough for test suites that create many users.</summary>
    public static IServiceCollection AddRegistrationLimit(this IServiceCollection services, SpeakingSettings settings) =>
        services.AddRateLimiter(options =>
        {
            options.AddPolicy(AuthEndpoints.RegisterPolicy, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = settings.RegisterMaxPerAddress,
                    Window = TimeSpan.FromSeconds(settings.RegisterWindowSeconds),
                    QueueLimit = 0,
                }));
            options.OnRejected = (context, _) =>
                new ValueTask(ErrorResponses.WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, Rejected));
        });
}
