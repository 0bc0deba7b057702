using MediatR;
using Speaking.Api.Docs;
using Speaking.Api.Http;
using Speaking.Application.Common;
using Speaking.Application.Queue;
using Speaking.Application.Safety;
using Speaking.Domain.Common;
using Speaking.Domain.Matchmaking;
using Speaking.Domain.Safety;

namespace Speaking.Api.Endpoints;

public static class QueueEndpoints
{
    public static void MapQueue(this IEndpointRouteBuilder app)
    {
        var queue = app.MapGroup("/queue").WithTags("Queue").RequireAuthorization();

        queue.MapPost("/roulette", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
            (await mediator.Send(new JoinQueueCommand(http.User.UserId(), QueueMode.Roulette, BodyShape.Object, Input<double>.Missing), ct)).ToHttp())
            .Describe("JoinRouletteQueue", "Join the roulette queue",
                "No body. position counts the active roulette entries that joined no later than this one (self included); estimated_wait_seconds is 20. The background round pairs queued users (by default only those with a live WebSocket connection) and sends them matched on it.")
            .Returns<QueueStatusView>()
            .Fails(StatusCodes.Status400BadRequest, QueueErrors.AlreadyQueued.Detail, QueueErrors.InSession.Detail)
            .Fails(StatusCodes.Status403Forbidden, SuspendedExample);

        queue.MapPost("/level-filter", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
        {
            var body = JsonBody.Of(http);
            return (await mediator.Send(new JoinQueueCommand(http.User.UserId(), QueueMode.LevelFilter, body.Shape, body.Number("level_filter")), ct))
                .ToHttp();
        }).WithMetadata(new ReadsJsonBody())
            .Describe("JoinLevelFilterQueue", "Join the level-filter queue",
                "Matched with someone whose level is within 0.5. position counts active level-filter entries within ±0.5 of the effective level (self included); estimated_wait_seconds is 30 when that is more than one, else 60.")
            .AcceptsJson<LevelFilterRequest>()
            .Returns<QueueStatusView>()
            .Fails(StatusCodes.Status400BadRequest, QueueErrors.AlreadyQueued.Detail, QueueErrors.InSession.Detail)
            .Fails(StatusCodes.Status403Forbidden, SuspendedExample)
            .ValidatesInput();

        queue.MapPost("/leave", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
            (await mediator.Send(new LeaveQueueCommand(http.User.UserId()), ct)).ToHttp(() => ErrorResponses.Message("Left queue successfully")))
            .Describe("LeaveQueue", "Leave the queue", "No body. Answers {\"message\": \"Left queue successfully\"}.")
            .Returns<MessageResponse>()
            .Fails(StatusCodes.Status400BadRequest, QueueErrors.NotQueued.Detail);

        queue.MapGet("/status", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
            Results.Ok(await mediator.Send(new GetQueueStatusQuery(http.User.UserId()), ct)))
            .Describe("GetQueueStatus", "Your queue status",
                "Not queued: every field but in_queue is null. Queued: position among active entries of the same mode that joined no later (level ignored); estimated_wait_seconds 20 (roulette) or 30 (level filter).")
            .Returns<QueueStatusView>();

        queue.MapGet("/stats", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
            (await mediator.Send(new GetQueueStatsQuery(http.User.UserId()), ct)).ToHttp())
            .Describe("GetQueueStats", "Queue insight",
                "Waiting tickets per mode and per half band (level-filter tickets by level, rounded down to 0.5), the last hour's matches per mode with the median wait of their tickets (session start minus join), and an estimated wait for your band: the next round (ROULETTE_INTERVAL_SECONDS) when someone within ±0.5 is waiting, else the band's median wait of the last hour, else the level-filter median, else null. Your band is your waiting level-filter ticket's, or the level a level-filter join would use.")
            .Returns<QueueStatsView>();
    }

    /// <summary>A suspended user's join; the time is the user's own suspended_until.</summary>
    private static readonly string SuspendedExample = SafetyErrors.Suspended(new DateTime(2026, 2, 12, 14, 3, 27, DateTimeKind.Utc)).Detail;
}
