using MediatR;
using Speaking.Api.Docs;
using Speaking.Api.Http;
using Speaking.Application.Safety;
using Speaking.Domain.Safety;
using Speaking.Domain.Users;

namespace Speaking.Api.Endpoints;

/// <summary>Block and report (issue 17, amendment A-5).</summary>
public static class SafetyEndpoints
{
    public const string Unblocked = "User unblocked";

    public static void MapSafety(this IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/users").WithTags("Safety").RequireAuthorization();

        // Three segments: never taken by /users/{user_id}.
        users.MapGet("/me/blocks", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
            Results.Ok(await mediator.Send(new GetBlocksQuery(http.User.UserId()), ct)))
            .Describe("ListBlocks", "Users you blocked", "Newest first. Blocks others made against you are never shown.")
            .Returns<BlockView[]>();

        users.MapPost("/{user_id}/block", async (string user_id, HttpContext http, IMediator mediator, CancellationToken ct) =>
            (await mediator.Send(new BlockUserCommand(http.User.UserId(), Parsing.Uuid(user_id)), ct)).ToHttp())
            .Describe("BlockUser", "Block a user",
                "No body. Either way round, a block means: never matched, no invitations, no partner requests, hidden from each other in search. Your partnership, pending requests and pending invitations between you end; a call between you ends at once for both (session_ended; end_reason blocked). Blocking again changes nothing.")
            .PathUuid("user_id", "The user to block.")
            .Returns<BlockView>()
            .Fails(StatusCodes.Status400BadRequest, SafetyErrors.CannotBlockYourself.Detail)
            .Fails(StatusCodes.Status404NotFound, UserErrors.NotFound.Detail)
            .ValidatesInput();

        users.MapDelete("/{user_id}/block", async (string user_id, HttpContext http, IMediator mediator, CancellationToken ct) =>
            (await mediator.Send(new UnblockUserCommand(http.User.UserId(), Parsing.Uuid(user_id)), ct)).ToHttp(() => ErrorResponses.Message(Unblocked)))
            .Describe("UnblockUser", "Unblock a user",
                $"Removes your own block (one the other user made stays). Nothing the block ended comes back. Answers {{\"message\": \"{Unblocked}\"}}.")
            .PathUuid("user_id", "The user to unblock.")
            .Returns<MessageResponse>()
            .Fails(StatusCodes.Status404NotFound, SafetyErrors.NotBlocked.Detail)
            .ValidatesInput();

        users.MapPost("/{user_id}/report", async (string user_id, HttpContext http, IMediator mediator, CancellationToken ct) =>
        {
            var body = JsonBody.Of(http);
            var result = await mediator.Send(new ReportUserCommand(http.User.UserId(), Parsing.Uuid(user_id), body.Shape, body.String("reason"),
                body.String("details"), body.Uuid("session_id")), ct);
            return result.ToHttp(view => TypedResults.Json(view, statusCode: StatusCodes.Status201Created));
        }).WithMetadata(new ReadsJsonBody())
            .Describe("ReportUser", "Report a user",
                "Stored once per reporter, user and session (session_id optional; it must be a session of you two). When reports from REPORT_SUSPEND_THRESHOLD different users who had contact with the reported user (a shared session, an invitation or a partner request from them) fall within REPORT_WINDOW_DAYS, the user is suspended from matching and invitations for that many days.")
            .PathUuid("user_id", "The user to report.")
            .AcceptsJson<ReportRequest>()
            .Returns<ReportView>(StatusCodes.Status201Created)
            .Fails(StatusCodes.Status400BadRequest, SafetyErrors.CannotReportYourself.Detail, SafetyErrors.AlreadyReported.Detail,
                SafetyErrors.AlreadyReportedForSession.Detail)
            .Fails(StatusCodes.Status404NotFound, UserErrors.NotFound.Detail, SafetyErrors.SessionNotFound.Detail)
            .ValidatesInput();
    }
}
