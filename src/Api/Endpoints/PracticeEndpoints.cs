using MediatR;
using Speaking.Api.Http;
using Speaking.Application.Practice;

namespace Speaking.Api.Endpoints;

/// <summary>IELTS practice (issue 18): session history and detail, a session's card, peer feedback, and the caller's progress.</summary>
public static class PracticeEndpoints
{
    public static void MapPractice(this IEndpointRouteBuilder app)
    {
        var sessions = app.MapGroup("/sessions").RequireAuthorization();

        // A literal segment outranks a parameter, so /sessions/history never reaches /sessions/{session_id}.
        sessions.MapGet("/history", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
        {
            var query = http.Request.Query;
            return Results.Ok(await mediator.Send(new GetSessionHistoryQuery(http.User.UserId(),
                Parsing.Integer(query["skip"].FirstOrDefault()), Parsing.Integer(query["limit"].FirstOrDefault())), ct));
        });

        sessions.MapGet("/{session_id}", async (string session_id, HttpContext http, IMediator mediator, CancellationToken ct) =>
            (await mediator.Send(new GetSessionQuery(http.User.UserId(), Parsing.Uuid(session_id)), ct)).ToHttp());

        sessions.MapGet("/{session_id}/practice", async (string session_id, HttpContext http, IMediator mediator, CancellationToken ct) =>
            (await mediator.Send(new GetSessionPracticeQuery(http.User.UserId(), Parsing.Uuid(session_id)), ct)).ToHttp());

        sessions.MapPost("/{session_id}/feedback", async (string session_id, HttpContext http, IMediator mediator, CancellationToken ct) =>
        {
            var body = JsonBody.Of(http);
            var result = await mediator.Send(new GiveFeedbackCommand(http.User.UserId(), Parsing.Uuid(session_id), body.Shape,
                body.Number("fluency_coherence"), body.Number("lexical_resource"), body.Number("grammatical_range_accuracy"),
                body.Number("pronunciation"), body.String("comment")), ct);
            return result.ToHttp(view => TypedResults.Json(view, statusCode: StatusCodes.Status201Created));
        }).WithMetadata(new ReadsJsonBody());

        // Three segments: never taken by /users/{user_id}.
        app.MapGet("/users/me/progress", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
            (await mediator.Send(new GetProgressQuery(http.User.UserId()), ct)).ToHttp()).RequireAuthorization();
    }
}
