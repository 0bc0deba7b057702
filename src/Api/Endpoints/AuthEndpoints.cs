using MediatR;
using Speaking.Api.Http;
using Speaking.Application.Auth;
using Speaking.Application.Common;

namespace Speaking.Api.Endpoints;

public static class AuthEndpoints
{
    public const string RegisterPolicy = "register";

    public static void MapAuth(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/auth");

        auth.MapPost("/register", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
        {
            var body = JsonBody.Of(http);
            var result = await mediator.Send(new RegisterCommand(body.Shape, body.String("email"), body.String("password"), body.String("username"),
                body.Number("current_level"), body.Number("target_score")), ct);
            return result.ToHttp(token => TypedResults.Json(token, statusCode: StatusCodes.Status201Created));
        }).WithMetadata(new ReadsJsonBody()).RequireRateLimiting(RegisterPolicy);

        auth.MapPost("/login", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
        {
            IFormCollection? form = null;
            if (http.Request.HasFormContentType) form = await http.Request.ReadFormAsync(ct);
            var result = await mediator.Send(new LoginCommand(FormField(form, "username"), FormField(form, "password"),
                FormField(form, "grant_type"), http.Connection.RemoteIpAddress?.ToString()), ct);
            return result.ToHttp();
        }).DisableAntiforgery();

        auth.MapGet("/me", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
            (await mediator.Send(new GetCurrentUserQuery(http.User.UserId()), ct)).ToHttp()).RequireAuthorization();
    }

    /// <summary>An empty form field counts as missing, as in the original's form handling.</summary>
    private static Input<string> FormField(IFormCollection? form, string name) =>
        form is not null && form.TryGetValue(name, out var value) && value.ToString().Length > 0 ? Input<string>.Of(value.ToString()) : Input<string>.Missing;
}
