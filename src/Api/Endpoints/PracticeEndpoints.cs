using MediatR;
using Speaking.Api.Docs;
using Speaking.Api.Http;
using Speaking.Domain.Practice;
using Speaking.Application.Practice;

namespace Speaking.Api.Endpoints;

/// <summary>IELTS practice (issue 18): session history and detail, a session's card, peer feedback, and the caller's progress.</summary>
public static class PracticeEndpoints
{
    public static void MapPractice(this IEndpointRouteBuilder app)
    {
        var sessions = app.MapGroup("/sessions").WithTags("Practice").RequireAuthorization();

        // A literal segment outranks a parameter, so /sessions/history never reaches /sessions/{session_id}.
        sessions.MapGet("/history", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
        {
            var query = http.Request.Query;
            return Results.Ok(await mediator.Send(new GetSessionHistoryQuery(http.User.UserId(),
                Parsing.Integer(query["skip"].FirstOrDefault()), Parsing.Integer(query["limit"].FirstOrDefault())), ct));
        })
            .Describe("GetSessionHistory", "Your session history",
                "The caller's sessions, newest first: partner, mode, start, end and duration, status and how it ended, the card, and whether feedback was given or received.")
            .QueryInteger("skip", "Sessions to skip.", minimum: 0, defaultValue: 0)
            .QueryInteger("limit", "Most sessions to return.", minimum: 0)
            .Returns<SessionHistoryItem[]>()
            .ValidatesInput();

        sessions.MapGet("/{session_id}", async (string session_id, HttpContext http, IMediator mediator, CancellationToken ct) =>
            (await mediator.Send(new GetSessionQuery(http.User.UserId(), Parsing.Uuid(session_id)), ct)).ToHttp())
            .Describe("GetSession", "One of your sessions", "The session as in the history, with its chat transcript. Only its two participants can read it.")
            .PathUuid("session_id", "The session's id.")
            .Returns<SessionDetailView>()
            .Fails(StatusCodes.Status404NotFound, PracticeErrors.SessionNotFound.Detail)
            .ValidatesInput();

        sessions.MapGet("/{session_id}/practice", async (string session_id, HttpContext http, IMediator mediator, CancellationToken ct) =>
            (await mediator.Send(new GetSessionPracticeQuery(http.User.UserId(), Parsing.Uuid(session_id)), ct)).ToHttp())
            .Describe("GetSessionPractice", "A session's practice card", "The cue card and Part 1 questions the session got (the `practice` of its `matched`).")
            .PathUuid("session_id", "The session's id.")
            .Returns<PracticePayload>()
            .Fails(StatusCodes.Status404NotFound, PracticeErrors.SessionNotFound.Detail, PracticeErrors.NoPracticeCard.Detail)
            .ValidatesInput();

        sessions.MapPost("/{session_id}/feedback", async (string session_id, HttpContext http, IMediator mediator, CancellationToken ct) =>
        {
            var body = JsonBody.Of(http);
            var result = await mediator.Send(new GiveFeedbackCommand(http.User.UserId(), Parsing.Uuid(session_id), body.Shape,
                body.Number("fluency_coherence"), body.Number("lexical_resource"), body.Number("grammatical_range_accuracy"),
                body.Number("pronunciation"), body.String("comment")), ct);
            return result.ToHttp(view => TypedResults.Json(view, statusCode: StatusCodes.Status201Created));
        }).WithMetadata(new ReadsJsonBody())
            .Describe("GiveFeedback", "Rate your partner",
                "Scores 1–9 in half bands on the four IELTS criteria and an optional comment (at most 1000 characters), once per session, after it ended and lasted long enough.")
            .PathUuid("session_id", "The session's id.")
            .AcceptsJson<FeedbackRequest>()
            .Returns<FeedbackView>(StatusCodes.Status201Created)
            .Fails(StatusCodes.Status400BadRequest, PracticeErrors.SessionStillActive.Detail, PracticeErrors.SessionTooShort.Detail,
                PracticeErrors.FeedbackNotAllowed.Detail, PracticeErrors.FeedbackAlreadyGiven.Detail)
            .Fails(StatusCodes.Status404NotFound, PracticeErrors.SessionNotFound.Detail)
            .ValidatesInput();

        // Three segments: never taken by /users/{user_id}.
        app.MapGet("/users/me/progress", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
            (await mediator.Send(new GetProgressQuery(http.User.UserId()), ct)).ToHttp()).RequireAuthorization()
            .WithTags("Practice")
            .Describe("GetProgress", "Your measured band",
                "Per-criterion averages and the overall band from the feedback received in the last 90 days (shown with at least 3 ratings from 2 raters), a weekly trend, and your self-reported level beside it.")
            .Returns<ProgressView>();
    }
}
