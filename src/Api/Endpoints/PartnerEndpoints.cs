using MediatR;
using Speaking.Api.Docs;
using Speaking.Api.Http;
using Speaking.Application.Partners;
using Speaking.Domain.Partners;

namespace Speaking.Api.Endpoints;

public static class PartnerEndpoints
{
    public static void MapPartners(this IEndpointRouteBuilder app)
    {
        var partners = app.MapGroup("/partners").WithTags("Partners").RequireAuthorization();

        partners.MapGet("/search", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
            Results.Ok(await mediator.Send(new SearchUsersQuery(http.User.UserId(), Parsing.Text(http.Request.Query["q"].FirstOrDefault())), ct)))
            .Describe("SearchUsers", "Search users by name",
                $"Up to {SearchUsersQuery.MaxResults} users other than the caller whose username contains q, case-insensitively and literally (% and _ are not wildcards).")
            .QueryString("q", "Text to look for in usernames, at least 2 characters.", required: true, minLength: 2)
            .Returns<UserSearchResult[]>()
            .ValidatesInput();

        partners.MapPost("/request", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
        {
            var body = JsonBody.Of(http);
            return (await mediator.Send(new SendPartnerRequestCommand(http.User.UserId(), body.Shape, body.Uuid("to_user_id")), ct)).ToHttp();
        }).WithMetadata(new ReadsJsonBody())
            .Describe("SendPartnerRequest", "Ask a user to be your partner",
                "Checked in order: yourself (400), unknown user (404), already partners (400), a pending request either way (400). After a rejection the same request is refused for PARTNER_REQUEST_COOLDOWN_HOURS (24 by default) with the pending-request text (D-29).")
            .AcceptsJson<PartnerRequestBody>()
            .Returns<PartnerRequestView>()
            .Fails(StatusCodes.Status400BadRequest, PartnerErrors.RequestToSelf.Detail, PartnerErrors.AlreadyPartners.Detail, PartnerErrors.RequestAlreadySent.Detail)
            .Fails(StatusCodes.Status404NotFound, PartnerErrors.UserNotFound.Detail)
            .ValidatesInput();

        partners.MapGet("/requests/incoming", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
            Results.Ok(await mediator.Send(new GetIncomingRequestsQuery(http.User.UserId()), ct)))
            .Describe("ListIncomingPartnerRequests", "Requests waiting for your answer", "Pending requests addressed to the caller, newest first.")
            .Returns<PartnerRequestView[]>();

        partners.MapPost("/requests/{request_id}/accept", (string request_id, HttpContext http, IMediator mediator, CancellationToken ct) =>
            Decide(request_id, accept: true, http, mediator, ct))
            .Describe("AcceptPartnerRequest", "Accept a partner request", $"No body. Creates the partnership and answers {{\"message\": \"{PartnerErrors.PartnerAdded}\"}}.")
            .DecisionDocs();

        partners.MapPost("/requests/{request_id}/reject", (string request_id, HttpContext http, IMediator mediator, CancellationToken ct) =>
            Decide(request_id, accept: false, http, mediator, ct))
            .Describe("RejectPartnerRequest", "Reject a partner request", $"No body. Answers {{\"message\": \"{PartnerErrors.RequestRejected}\"}}.")
            .DecisionDocs();

        partners.MapGet("/", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
            Results.Ok(await mediator.Send(new GetPartnersQuery(http.User.UserId()), ct)))
            .Describe("ListPartners", "Your partners", "Every partnership the caller is in, newest first. The frontend calls /partners/; both forms answer.")
            .Returns<PartnerView[]>();

        partners.MapDelete("/{partner_user_id}", async (string partner_user_id, HttpContext http, IMediator mediator, CancellationToken ct) =>
            (await mediator.Send(new RemovePartnerCommand(http.User.UserId(), Parsing.Uuid(partner_user_id)), ct)).ToHttp(ErrorResponses.Message))
            .Describe("RemovePartner", "Remove a partner", $"Ends the partnership in either direction and answers {{\"message\": \"{PartnerErrors.PartnerRemoved}\"}}. Request rows are kept.")
            .PathUuid("partner_user_id", "The partner's user id.")
            .Returns<MessageResponse>()
            .Fails(StatusCodes.Status404NotFound, PartnerErrors.PartnerNotFound.Detail)
            .ValidatesInput();
    }

    private static RouteHandlerBuilder DecisionDocs(this RouteHandlerBuilder builder) => builder
        .PathUuid("request_id", "The request's id.")
        .Returns<MessageResponse>()
        .Fails(StatusCodes.Status400BadRequest, PartnerErrors.RequestAlreadyHandled.Detail)
        .Fails(StatusCodes.Status403Forbidden, PartnerErrors.RequestNotForYou.Detail)
        .Fails(StatusCodes.Status404NotFound, PartnerErrors.RequestNotFound.Detail)
        .ValidatesInput();

    private static async Task<IResult> Decide(string requestId, bool accept, HttpContext http, IMediator mediator, CancellationToken ct) =>
        (await mediator.Send(new DecidePartnerRequestCommand(http.User.UserId(), Parsing.Uuid(requestId), accept), ct)).ToHttp(ErrorResponses.Message);
}
