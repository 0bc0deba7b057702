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
    public static void MapAuth(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/auth").WithTags("Auth");

        auth.MapPost("/register", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
        {
            var body = JsonBody.Of(http);
            var result = await mediator.Send(new RegisterCommand(body.Shape, body.String("email"), body.String("password"), body.String("username"),
                body.Number("current_level"), body.Number("target_score"), http.Connection.RemoteIpAddress?.ToString()), ct);
            return result.ToHttp(token => TypedResults.Json(token, statusCode: StatusCodes.Status201Created));
        }).WithMetadata(new ReadsJsonBody())
            .Describe("Register", "Create an account",
                "Creates a user and returns a token for it, so the client is logged in at once. By default at most 1,000 registrations per client address in 10 minutes (a taken email counts too); further attempts get 429.")
            .AcceptsJson<RegisterRequest>()
            .Returns<AuthToken>(StatusCodes.Status201Created)
            .Fails(StatusCodes.Status400BadRequest, UserErrors.EmailTaken.Detail)
            .ValidatesInput()
            .Fails(StatusCodes.Status429TooManyRequests, UserErrors.TooManyRegistrations.Detail);

        auth.MapPost("/login", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
        {
            var form = await ReadFormAsync(http.Request, ct);
            var result = await mediator.Send(new LoginCommand(FormField(form, "username"), FormField(form, "password"),
                FormField(form, "grant_type"), http.Connection.RemoteIpAddress?.ToString()), ct);
            return result.ToHttp();
        }).DisableAntiforgery().WithMetadata(new ReadsFormBody())
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

    /// <summary>
    /// The form, or null when the body is not a form. A body that claims to be a form but cannot be read as one (a
    /// multipart type without a usable boundary, broken multipart, more fields than the form reader allows, characters
    /// it refuses) counts as no form, so its fields are reported missing (422), as for a JSON body. A body over the
    /// endpoint's size limit stays a 413.
    /// </summary>
    private static async Task<IFormCollection?> ReadFormAsync(HttpRequest request, CancellationToken ct)
    {
        if (!request.HasFormContentType) return null;
        try
        {
            return await request.ReadFormAsync(ct);
        }
        catch (Exception e) when (e is InvalidDataException || (e is IOException and not BadHttpRequestException && !ct.IsCancellationRequested))
        {
            return null;
        }
    }

    /// <summary>An empty form field counts as missing, as in the original's form handling; a repeated one is not a string (422).</summary>
    private static Input<string> FormField(IFormCollection? form, string name)
    {
        if (form is null || !form.TryGetValue(name, out var values)) return Input<string>.Missing;
        if (values.Count > 1) return Input<string>.Invalid(values.ToArray());
        return values.ToString().Length > 0 ? Input<string>.Of(values.ToString()) : Input<string>.Missing;
    }
}
