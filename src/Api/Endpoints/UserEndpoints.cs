using MediatR;
using Speaking.Api.Docs;
using Speaking.Api.Http;
using Speaking.Application.Users;
using Speaking.Domain.Users;

namespace Speaking.Api.Endpoints;

public static class UserEndpoints
{
    public static void MapUsers(this IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/users").WithTags("Users").RequireAuthorization();

        users.MapGet("", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
        {
            var query = http.Request.Query;
            return WrittenJson.Ok(await mediator.Send(new ListUsersQuery(http.User.UserId(), Parsing.Boolean(query["online_only"].FirstOrDefault()),
                Parsing.Integer(query["skip"].FirstOrDefault()), Parsing.Integer(query["limit"].FirstOrDefault())), ct));
        })
            .Describe("ListUsers", "List users",
                "All users (the caller included), ordered by creation time then id. Only the caller's own record carries an email (D-6). The dashboard calls /users?online_only=true and counts the result.")
            .QueryBoolean("online_only", "Only users with an open WebSocket connection. Accepts true/false/1/0/yes/no/on/off/t/f/y/n.", defaultValue: false)
            .QueryInteger("skip", "Users to skip.", minimum: 0, defaultValue: 0)
            .QueryInteger("limit", $"Most users to return; values above {ListUsersQuery.MaxLimit} are capped.", minimum: 0, defaultValue: ListUsersQuery.DefaultLimit)
            .Returns<UserView[]>()
            .ValidatesInput();

        users.MapGet("/online/count", async (IMediator mediator, CancellationToken ct) =>
            Results.Ok(new { online_count = await mediator.Send(new CountOnlineUsersQuery(), ct) }))
            .Describe("CountOnlineUsers", "Count online users", "The number of users with an open WebSocket connection.")
            .Returns<OnlineCountResponse>();

        users.MapGet("/{user_id}", async (string user_id, HttpContext http, IMediator mediator, CancellationToken ct) =>
            (await mediator.Send(new GetUserQuery(http.User.UserId(), Parsing.Uuid(user_id)), ct)).ToHttp())
            .Describe("GetUser", "Get a user", "One user's record; the email is null unless it is the caller's own (D-6).")
            .PathUuid("user_id", "The user's id.")
            .Returns<UserView>()
            .Fails(StatusCodes.Status404NotFound, UserErrors.NotFound.Detail)
            .ValidatesInput();

        users.MapPatch("/{user_id}", async (string user_id, HttpContext http, IMediator mediator, CancellationToken ct) =>
        {
            var body = JsonBody.Of(http);
            var result = await mediator.Send(new UpdateUserCommand(http.User.UserId(), Parsing.Uuid(user_id), body.Shape,
                body.String("username"), body.Number("current_level"), body.Number("target_score")), ct);
            return result.ToHttp();
        }).WithMetadata(new ReadsJsonBody())
            .Describe("UpdateUser", "Update your profile", "Changes only the fields sent; {} changes nothing and returns the user. The body is validated before the ownership check.")
            .PathUuid("user_id", "The caller's own id.")
            .AcceptsJson<UpdateUserRequest>()
            .Returns<UserView>()
            .Fails(StatusCodes.Status403Forbidden, UserErrors.NotYourProfile.Detail)
            .Fails(StatusCodes.Status404NotFound, UserErrors.NotFound.Detail)
            .ValidatesInput();
    }
}
