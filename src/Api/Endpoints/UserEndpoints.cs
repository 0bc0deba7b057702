using MediatR;
using Speaking.Api.Http;
using Speaking.Application.Users;

namespace Speaking.Api.Endpoints;

public static class UserEndpoints
{
    public static void MapUsers(this IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/users").RequireAuthorization();

        users.MapGet("", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
        {
            var query = http.Request.Query;
            return Results.Ok(await mediator.Send(new ListUsersQuery(http.User.UserId(), Parsing.Boolean(query["online_only"].FirstOrDefault()),
                Parsing.Integer(query["skip"].FirstOrDefault()), Parsing.Integer(query["limit"].FirstOrDefault())), ct));
        });

        users.MapGet("/online/count", async (IMediator mediator, CancellationToken ct) =>
            Results.Ok(new { online_count = await mediator.Send(new CountOnlineUsersQuery(), ct) }));

        users.MapGet("/{user_id}", async (string user_id, HttpContext http, IMediator mediator, CancellationToken ct) =>
            (await mediator.Send(new GetUserQuery(http.User.UserId(), Parsing.Uuid(user_id)), ct)).ToHttp());

        users.MapPatch("/{user_id}", async (string user_id, HttpContext http, IMediator mediator, CancellationToken ct) =>
        {
            var body = JsonBody.Of(http);
            var result = await mediator.Send(new UpdateUserCommand(http.User.UserId(), Parsing.Uuid(user_id), body.Shape,
                body.String("username"), body.Number("current_level"), body.Number("target_score")), ct);
            return result.ToHttp();
        }).WithMetadata(new ReadsJsonBody());
    }
}
