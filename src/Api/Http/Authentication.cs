using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Speaking.Application.Users;
using Speaking.Infrastructure.Auth;

namespace Speaking.Api.Http;

/// <summary>
/// Bearer authentication through the framework's JwtBearer handler, with the original's rules: signature with the
/// configured key and algorithm, exp with zero leeway, no aud, a UUID sub whose user still exists. Every failure
/// is a 401 with the contract's body and <c>WWW-Authenticate: Bearer</c>.
/// </summary>
public static class Authentication
{
    public static IServiceCollection AddBearerAuthentication(this IServiceCollection services)
    {
        services.AddAuthorization();
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
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
                    if (userId is null || !await users.ExistsAsync(userId.Value, context.HttpContext.RequestAborted))
                    {
                        context.Fail("The token's subject is not a user.");
                        return;
                    }

                    context.Principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", userId.Value.ToString())], "Bearer", "sub", null));
                },
                OnChallenge = async context =>
                {
                    context.HandleResponse();
                    var header = context.Request.Headers.Authorization.ToString();
                    var bearer = header.StartsWith("Bearer", StringComparison.OrdinalIgnoreCase)
                        && (header.Length == 6 || char.IsWhiteSpace(header[6]));
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    context.Response.Headers.WWWAuthenticate = "Bearer";
                    await context.Response.WriteAsJsonAsync(new
                    {
                        detail = bearer ? ErrorResponses.InvalidCredentials : ErrorResponses.NotAuthenticated,
                    });
                },
            };
        });
        return services;
    }

    /// <summary>The authenticated caller's id (only on endpoints that require authorization).</summary>
    public static Guid UserId(this ClaimsPrincipal principal) => Guid.Parse(principal.FindFirstValue("sub")!);
}
