using FluentValidation;
using MediatR;
using Microsoft.Extensions.Options;
using Speaking.Application.Common;
using Speaking.Application.Safety;
using Speaking.Application.Users;
using Speaking.Domain.Common;
using Speaking.Domain.Partners;

namespace Speaking.Application.Partners;

public sealed record SearchUsersQuery(Guid CallerId, Input<string> Q) : IRequest<IReadOnlyList<UserSearchResult>>
{
    public const int MaxResults = 20;
}

public sealed class SearchUsersQueryValidator : AbstractValidator<SearchUsersQuery>
{
    public SearchUsersQueryValidator() => RuleFor(x => x.Q).Text("query.q", 2, int.MaxValue);
}

public sealed class SearchUsersQueryHandler(IPartnerRepository partners) : IRequestHandler<SearchUsersQuery, IReadOnlyList<UserSearchResult>>
{
    public Task<IReadOnlyList<UserSearchResult>> Handle(SearchUsersQuery request, CancellationToken cancellationToken) =>
        partners.SearchAsync(request.CallerId, request.Q.Value!, SearchUsersQuery.MaxResults, cancellationToken);
}

public sealed record SendPartnerRequestCommand(Guid CallerId, BodyShape Body, Input<Guid> ToUserId) : IRequest<Result<PartnerRequestView>>;

public sealed class SendPartnerRequestCommandValidator : AbstractValidator<SendPartnerRequestCommand>
{
    public SendPartnerRequestCommandValidator()
    {
        RuleFor(x => x.Body).RequiredBody();
        RuleFor(x => x.ToUserId).Uuid("body.to_user_id").When(x => x.Body == BodyShape.Object);
    }
}

/// <summary>
/// POST /partners/request. Between users who block each other (either way) the answer is the unknown-user 404: search
/// hides them from each other, and a request behaves the same.
/// </summary>
public sealed class SendPartnerRequestCommandHandler(IPartnerRepository partners, IUserRepository users, IBlockRepository blocks, IClock clock,
    IOptions<PartnerOptions> options) : IRequestHandler<SendPartnerRequestCommand, Result<PartnerRequestView>>
{
    public async Task<Result<PartnerRequestView>> Handle(SendPartnerRequestCommand request, CancellationToken cancellationToken)
    {
        var from = request.CallerId;
        var to = request.ToUserId.Value;
        if (to == from) return PartnerErrors.RequestToSelf;
        if (await users.GetAsync(to, cancellationToken) is null || await blocks.EitherBlocksAsync(from, to, cancellationToken))
            return PartnerErrors.UserNotFound;
        if (await partners.ArePartnersAsync(from, to, cancellationToken)) return PartnerErrors.AlreadyPartners;
        if (await partners.HasPendingBetweenAsync(from, to, cancellationToken)) return PartnerErrors.RequestAlreadySent;

        var now = clock.UtcNow;
        var cooldown = options.Value.PartnerRequestCooldownHours;
        if (cooldown > 0 && await partners.LastRejectionAsync(from, to, cancellationToken) is { } rejectedAt
            && rejectedAt > now.AddHours(-cooldown))
            return PartnerErrors.RequestAlreadySent;

        var stored = new StoredPartnerRequest(Guid.NewGuid(), from, to, "pending", now);
        if (!await partners.TryCreateRequestAsync(stored, cancellationToken)) return PartnerErrors.RequestAlreadySent;
        return (await partners.GetRequestViewAsync(stored.Id, cancellationToken))!;
    }
}

public sealed record GetIncomingRequestsQuery(Guid CallerId) : IRequest<IReadOnlyList<PartnerRequestView>>;

public sealed class GetIncomingRequestsQueryHandler(IPartnerRepository partners)
    : IRequestHandler<GetIncomingRequestsQuery, IReadOnlyList<PartnerRequestView>>
{
    public Task<IReadOnlyList<PartnerRequestView>> Handle(GetIncomingRequestsQuery request, CancellationToken cancellationToken) =>
        partners.ListIncomingAsync(request.CallerId, cancellationToken);
}

/// <summary>
/// Accept or reject a request addressed to the caller. Returns the success message of the original. A block closes
/// pending requests between the two; one that was still pending when the block landed cannot be accepted either.
/// </summary>
public sealed record DecidePartnerRequestCommand(Guid CallerId, Input<Guid> RequestId, bool Accept) : IRequest<Result<string>>;

public sealed class DecidePartnerRequestCommandValidator : AbstractValidator<DecidePartnerRequestCommand>
{
    public DecidePartnerRequestCommandValidator() => RuleFor(x => x.RequestId).Uuid("path.request_id");
}

public sealed class DecidePartnerRequestCommandHandler(IPartnerRepository partners, IBlockRepository blocks, IClock clock)
    : IRequestHandler<DecidePartnerRequestCommand, Result<string>>
{
    public async Task<Result<string>> Handle(DecidePartnerRequestCommand request, CancellationToken cancellationToken)
    {
        var stored = await partners.GetRequestAsync(request.RequestId.Value, cancellationToken);
        if (stored is null) return PartnerErrors.RequestNotFound;
        if (stored.ToUserId != request.CallerId) return PartnerErrors.RequestNotForYou;
        if (stored.Status != "pending") return PartnerErrors.RequestAlreadyHandled;
        if (request.Accept && await blocks.EitherBlocksAsync(stored.FromUserId, stored.ToUserId, cancellationToken))
            return PartnerErrors.RequestAlreadyHandled;

        var decision = await partners.DecideAsync(stored.Id, request.Accept, clock.UtcNow, cancellationToken);
        return decision switch
        {
            RequestDecision.Accepted => PartnerErrors.PartnerAdded,
            RequestDecision.Rejected => PartnerErrors.RequestRejected,
            _ => PartnerErrors.RequestAlreadyHandled,
        };
    }
}

public sealed record GetPartnersQuery(Guid CallerId) : IRequest<IReadOnlyList<PartnerView>>;

public sealed class GetPartnersQueryHandler(IPartnerRepository partners) : IRequestHandler<GetPartnersQuery, IReadOnlyList<PartnerView>>
{
    public Task<IReadOnlyList<PartnerView>> Handle(GetPartnersQuery request, CancellationToken cancellationToken) =>
        partners.ListPartnersAsync(request.CallerId, cancellationToken);
}

public sealed record RemovePartnerCommand(Guid CallerId, Input<Guid> PartnerUserId) : IRequest<Result<string>>;

public sealed class RemovePartnerCommandValidator : AbstractValidator<RemovePartnerCommand>
{
    public RemovePartnerCommandValidator() => RuleFor(x => x.PartnerUserId).Uuid("path.partner_user_id");
}

public sealed class RemovePartnerCommandHandler(IPartnerRepository partners) : IRequestHandler<RemovePartnerCommand, Result<string>>
{
    public async Task<Result<string>> Handle(RemovePartnerCommand request, CancellationToken cancellationToken) =>
        await partners.RemovePartnershipAsync(request.CallerId, request.PartnerUserId.Value, cancellationToken)
            ? PartnerErrors.PartnerRemoved
            : PartnerErrors.PartnerNotFound;
}
