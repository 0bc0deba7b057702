using MediatR;
using Speaking.Api.Http;
using Speaking.Application.Common;
using Speaking.Application.Queue;
using Speaking.Domain.Common;

namespace Speaking.Api.Endpoints;

public static class QueueEndpoints
{
    public static void MapQueue(this IEndpointRouteBuilder app)
    {
        var queue = app.MapGroup("/queue").RequireAuthorization();

        queue.MapPost("/roulette", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
            (await mediator.Send(new JoinQueueCommand(http.User.UserId(), QueueMode.Roulette, BodyShape.Object, Input<double>.Missing), ct)).ToHttp());

        queue.MapPost("/level-filter", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
        {
            var body = JsonBody.Of(http);
            return (await mediator.Send(new JoinQueueCommand(http.User.UserId(), QueueMode.LevelFilter, body.Shape, body.Number("level_filter")), ct))
                .ToHttp();
        }).WithMetadata(new ReadsJsonBody());

        queue.MapPost("/leave", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
            (await mediator.Send(new LeaveQueueCommand(http.User.UserId()), ct)).ToHttp(() => ErrorResponses.Message("Left queue successfully")));

        queue.MapGet("/status", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
            Results.Ok(await mediator.Send(new GetQueueStatusQuery(http.User.UserId()), ct)));
    }
}
