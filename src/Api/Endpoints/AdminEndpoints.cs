using MediatR;
using Speaking.Api.Docs;
using Speaking.Api.Http;
using Speaking.Application.Safety;
using Speaking.Domain.Safety;
using Speaking.Domain.Users;

namespace Speaking.Api.Endpoints;

/// <summary>Moderation: for users with is_admin (set by the <c>admin</c> command or ADMIN_EMAILS); everyone else gets 403.</summary>
public static class AdminEndpoints
{
    public static void MapAdmin(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin").WithTags("Admin").RequireAuthorization();

        admin.MapGet("/reports", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
        {
            var query = http.Request.Query;
            return (await mediator.Send(new ListReportsQuery(http.User.UserId(), Parsing.Uuid(query["target_user_id"].FirstOrDefault()),
                Parsing.Boolean(query["suspended_only"].FirstOrDefault()), Parsing.Integer(query["skip"].FirstOrDefault()),
                Parsing.Integer(query["limit"].FirstOrDefault())), ct)).ToHttp();
        })
            .Describe("ListReports", "Reports (moderators)",
                "Newest first, with reporter and reported user, whether the report counted (the reporter had contact) and whether it is resolved.")
            .QueryString("target_user_id", "Only reports on this user (a UUID).")
            .QueryBoolean("suspended_only", "Only the open reports on users suspended now.", defaultValue: false)
            .QueryInteger("skip", "Reports to skip.", minimum: 0, defaultValue: 0)
            .QueryInteger("limit", $"Most reports to return; values above {ListReportsQuery.MaxLimit} are capped.", minimum: 0,
                defaultValue: ListReportsQuery.DefaultLimit)
            .Returns<AdminReportView[]>()
            .Fails(StatusCodes.Status403Forbidden, SafetyErrors.AdminRequired.Detail)
            .ValidatesInput();

        admin.MapPost("/users/{user_id}/lift-suspension", async (string user_id, HttpContext http, IMediator mediator, CancellationToken ct) =>
            (await mediator.Send(new LiftSuspensionCommand(http.User.UserId(), Parsing.Uuid(user_id)), ct)).ToHttp())
            .Describe("LiftSuspension", "Lift a suspension (moderators)",
                "No body. The user may match and invite again at once; the open reports on them are resolved and never count again.")
            .PathUuid("user_id", "The suspended user.")
            .Returns<LiftedSuspensionView>()
            .Fails(StatusCodes.Status400BadRequest, SafetyErrors.NotSuspended.Detail)
            .Fails(StatusCodes.Status403Forbidden, SafetyErrors.AdminRequired.Detail)
            .Fails(StatusCodes.Status404NotFound, UserErrors.NotFound.Detail)
            .ValidatesInput();
    }
}
