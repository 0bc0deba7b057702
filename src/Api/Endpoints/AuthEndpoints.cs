using MediatR;
using Speaking.Api.Docs;
using Speaking.Api.Http;
using Speaking.Application.Auth;
using Speaking.Application.Common;
using Speaking.Application.Users;
using Speaking.Domain.Users;

namespace Speaking.Api.Endpoints;

public static class AuthEndpoints
{
    public const string RegisterPolicy = "register";

    public static void MapAuth(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/auth").WithTags("Auth");

        auth.MapPost("/register", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
        {
            var body = JsonBody.Of(http);
            var result = await mediator.Send(new RegisterCommand(body.Shape, body.String("email"), body.String("password"), body.String("username"),
                body.Number("current_level"), body.Number("target_score")), ct);
            return result.ToHttp(token => TypedResults.Json(token, statusCode: StatusCodes.Status201Created));
        }).WithMetadata(new ReadsJsonBody()).RequireRateLimiting(RegisterPolicy)
            .Describe("Register", "Create an account", "Creates a user and returns a token for it, so the client is logged in at once.")
            .AcceptsJson<RegisterRequest>()
            .Returns<AuthToken>(StatusCodes.Status201Created)
            .Fails(StatusCodes.Status400BadRequest, UserErrors.EmailTaken.Detail)
            .ValidatesInput()
            .Fails(StatusCodes.Status429TooManyRequests, RegistrationLimit.Rejected);

        auth.MapPost("/login", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
        {
            IFormCollection? form = null;
            if (http.Request.HasFormContentType) form = await http.Request.ReadFormAsync(ct);
            var result = await mediator.Send(new LoginCommand(FormField(form, "username"), FormField(form, "password"),
                FormField(form, "grant_type"), http.Connection.RemoteIpAddress?.ToString()), ct);
            return result.ToHttp();
        }).DisableAntiforgery()
            .Describe("Login", "Log in with email and password",
                "The OAuth2 password form: username holds the email. Login changes neither is_online nor last_seen. By default, after 10 failures in 5 minutes for one email (or 100 from one address) further attempts get 429.")
            .AcceptsForm<LoginForm>()
            .Returns<AuthToken>()
            .Fails(StatusCodes.Status401Unauthorized, UserErrors.InvalidCredentials.Detail)
            .ValidatesInput()
            .Fails(StatusCodes.Status429TooManyRequests, UserErrors.TooManyLoginAttempts.Detail);

        auth.MapGet("/me", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
            (await mediator.Send(new GetCurrentUserQuery(http.User.UserId()), ct)).ToHttp()).RequireAuthorization()
            .Describe("GetCurrentUser", "The token's user", "The user the bearer token belongs to, with their own email.")
            .Returns<UserView>();
    }

    /// <summary>An empty form field counts as missing, as in the original's form handling.</summary>
    private static Input<string> FormField(IFormCollection? form, string name) =>
        form is not null && form.TryGetValue(name, out var value) && value.ToString().Length > 0 ? Input<string>.Of(value.ToString()) : Input<string>.Missing;
}
