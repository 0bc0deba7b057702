using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.IdentityModel.JsonWebTokens;
using Speaking.Infrastructure;
using Speaking.Application.Users;
using Speaking.Domain.Users;
using Speaking.Infrastructure.Auth;
using Speaking.Infrastructure.Observability;
using Speaking.Infrastructure.Persistence;

namespace Speaking.Api.Http;

/// <summary>
/// Bearer authentication through the framework's JwtBearer handler, with the original's rules: signature with the
/// configured key and algorithm, exp with zero leeway, nbf with a small skew, no aud, a UUID sub whose user still
/// exists. Every failure is a 401 with the contract's body and <c>WWW-Authenticate: Bearer</c>.
/// <para>
/// Authentication runs only for endpoints that require authorization: there is no default scheme (so the
/// authentication middleware authenticates nothing by itself), and the default policy names the bearer scheme, so the
/// authorization middleware authenticates lazily. <c>/health</c>, <c>/</c> and the login never look at a bearer
/// header, and never reach the database through it.
/// </para>
/// </summary>
public static class Authentication
{
    private static readonly object OutageKey = new();

    public static IServiceCollection AddBearerAuthentication(this IServiceCollection services)
    {
        // With a single registered scheme the framework would make it the default and authenticate every request.
        AppContext.SetSwitch("Microsoft.AspNetCore.Authentication.SuppressAutoDefaultScheme", true);
        services.AddAuthorization(options => options.DefaultPolicy =
            new AuthorizationPolicyBuilder(JwtBearerDefaults.AuthenticationScheme).RequireAuthenticatedUser().Build());
        services.AddAuthentication().AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<JwtTokenService>((options, tokens) =>
        {
            options.MapInboundClaims = false;
            options.TokenValidationParameters = tokens.ValidationParameters;
            options.Events = new JwtBearerEvents
            {
                OnTokenValidated = async context =>
                {
                    var userId = JwtTokenService.SubjectOf(context.SecurityToken as JsonWebToken);
                    var users = context.HttpContext.RequestServices.GetRequiredService<IUserDirectory>();
                    bool exists;
                    try
                    {
                        exists = userId is not null && await users.ExistsAsync(userId.Value, context.HttpContext.RequestAborted);
                    }
                    catch (Exception e) when (Outage.Is(e))
                    {
                        // Not a 401 (the token may be fine) and not thrown (the handler would log a stack trace for every
                        // request of the outage): the challenge below answers 503.
                        context.HttpContext.Items[OutageKey] = e.GetBaseException().Message;
                        context.Fail("The database did not answer.");
                        return;
                    }

                    if (!exists)
                    {
                        context.Fail("The token's subject is not a user.");
                        return;
                    }

                    context.Principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", userId!.Value.ToString())], "Bearer", "sub", null));
                },
                OnChallenge = async context =>
                {
                    context.HandleResponse();
                    if (context.HttpContext.Items.TryGetValue(OutageKey, out var reason))
                    {
                        context.HttpContext.RequestServices.GetRequiredService<SpeakingMetrics>().DatabaseErrors.WithLabels("http").Inc();
                        context.HttpContext.RequestServices.GetRequiredService<ILogger<ErrorHandling>>().LogWarning(
                            "The database did not answer {Method} {Path}: {Reason}", context.Request.Method, context.Request.Path.Value, reason);
                        await ErrorResponses.WriteUnavailableAsync(context.HttpContext);
                        return;
                    }

                    var header = context.Request.Headers.Authorization.ToString();
                    var bearer = header.StartsWith("Bearer", StringComparison.OrdinalIgnoreCase)
                        && (header.Length == 6 || char.IsWhiteSpace(header[6]));
                    context.Response.Headers.WWWAuthenticate = "Bearer";
                    await ErrorResponses.WriteAsync(context.HttpContext, StatusCodes.Status401Unauthorized,
                        bearer ? ErrorResponses.InvalidCredentials : ErrorResponses.NotAuthenticated);
                },
            };
        });
        return services;
    }

    /// <summary>The authenticated caller's id (only on endpoints that require authorization).</summary>
    public static Guid UserId(this ClaimsPrincipal principal) => Guid.Parse(principal.FindFirstValue("sub")!);
}
