using MediatR;
using Speaking.Api.Http;
using Speaking.Application.Partners;

namespace Speaking.Api.Endpoints;

public static class PartnerEndpoints
{
    public static void MapPartners(this IEndpointRouteBuilder app)
    {
        var partners = app.MapGroup("/partners").RequireAuthorization();

        partners.MapGet("/search", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
            Results.Ok(await mediator.Send(new SearchUsersQuery(http.User.UserId(), Parsing.Text(http.Request.Query["q"].FirstOrDefault())), ct)));

        partners.MapPost("/request", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
        {
            var body = JsonBody.Of(http);
            return (await mediator.Send(new SendPartnerRequestCommand(http.User.UserId(), body.Shape, body.Uuid("to_user_id")), ct)).ToHttp();
        }).WithMetadata(new ReadsJsonBody());

        partners.MapGet("/requests/incoming", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
            Results.Ok(await mediator.Send(new GetIncomingRequestsQuery(http.User.UserId()), ct)));

        partners.MapPost("/requests/{request_id}/accept", (string request_id, HttpContext http, IMediator mediator, CancellationToken ct) =>
            Decide(request_id, accept: true, http, mediator, ct));

        partners.MapPost("/requests/{request_id}/reject", (string request_id, HttpContext http, IMediator mediator, CancellationToken ct) =>
            Decide(request_id, accept: false, http, mediator, ct));

        partners.MapGet("/", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
            Results.Ok(await mediator.Send(new GetPartnersQuery(http.User.UserId()), ct)));

        partners.MapDelete("/{partner_user_id}", async (string partner_user_id, HttpContext http, IMediator mediator, CancellationToken ct) =>
            (await mediator.Send(new RemovePartnerCommand(http.User.UserId(), Parsing.Uuid(partner_user_id)), ct)).ToHttp(ErrorResponses.Message));
    }

    private static async Task<IResult> Decide(string requestId, bool accept, HttpContext http, IMediator mediator, CancellationToken ct) =>
        (await mediator.Send(new DecidePartnerRequestCommand(http.User.UserId(), Parsing.Uuid(requestId), accept), ct)).ToHttp(ErrorResponses.Message);
}
