using FluentValidation;
using MediatR;
using Speaking.Application.Common;
using Speaking.Application.Queue;
using Speaking.Application.Sessions;
using Speaking.Application.Realtime.Wire;
using Speaking.Domain.Common;
using Speaking.Domain.Practice;

namespace Speaking.Application.Practice;

/// <summary>One session in the caller's history: who, how, when, how it ended, the card, and the feedback either way.</summary>
public sealed record SessionHistoryItem(Guid SessionId, Guid PartnerId, string PartnerUsername, string Mode, DateTime StartedAt,
    DateTime? EndedAt, int? DurationSeconds, string Status, string? EndReason, Guid? EndedBy, CueCardView? Card, bool FeedbackGiven,
    bool FeedbackReceived)
{
    public static SessionHistoryItem Of(SessionHistoryRow row, PracticeAssignment practice) => new(row.SessionId, row.PartnerId,
        row.PartnerUsername, row.Mode, row.StartedAt, row.EndedAt, DurationOf(row), row.Status, row.EndReason, row.EndedBy,
        practice.CardOf(row.Practice), row.FeedbackGiven, row.FeedbackReceived);

    /// <summary>Whole seconds from start to end; null while the session is active.</summary>
    public static int? DurationOf(SessionHistoryRow row) => row.EndedAt is { } ended ? (int)Math.Max(0, (ended - row.StartedAt).TotalSeconds) : null;
}

public sealed record TranscriptLineView(Guid Id, Guid FromUserId, string Message, DateTime SentAt);

public sealed record SessionFeedbackView(FeedbackView? Given, FeedbackView? Received);

/// <summary><c>GET /sessions/{session_id}</c>: the history item plus the Part 1 questions, the chat transcript and the feedback itself.</summary>
public sealed record SessionDetailView(Guid SessionId, Guid PartnerId, string PartnerUsername, string Mode, DateTime StartedAt,
    DateTime? EndedAt, int? DurationSeconds, string Status, string? EndReason, Guid? EndedBy, CueCardView? Card, bool FeedbackGiven,
    bool FeedbackReceived, IReadOnlyList<Part1QuestionView> Part1Questions, IReadOnlyList<TranscriptLineView> Transcript,
    SessionFeedbackView Feedback);

public sealed record GetSessionHistoryQuery(Guid UserId, Input<int> Skip, Input<int> Limit) : IRequest<IReadOnlyList<SessionHistoryItem>>
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;
}

public sealed class GetSessionHistoryQueryValidator : AbstractValidator<GetSessionHistoryQuery>
{
    public GetSessionHistoryQueryValidator()
    {
        RuleFor(x => x.Skip).NonNegativeInteger("query.skip");
        RuleFor(x => x.Limit).NonNegativeInteger("query.limit");
    }
}

public sealed class GetSessionHistoryQueryHandler(ISessionHistory history, PracticeAssignment practice)
    : IRequestHandler<GetSessionHistoryQuery, IReadOnlyList<SessionHistoryItem>>
{
    public async Task<IReadOnlyList<SessionHistoryItem>> Handle(GetSessionHistoryQuery request, CancellationToken cancellationToken)
    {
        var limit = Math.Min(request.Limit.ValueOr(GetSessionHistoryQuery.DefaultLimit), GetSessionHistoryQuery.MaxLimit);
        var rows = await history.ListAsync(request.UserId, request.Skip.ValueOr(0), limit, cancellationToken);
        return rows.Select(row => SessionHistoryItem.Of(row, practice)).ToArray();
    }
}

/// <summary>A session of the caller's with its transcript. Anyone else gets 404, as if it did not exist.</summary>
public sealed record GetSessionQuery(Guid UserId, Input<Guid> SessionId) : IRequest<Result<SessionDetailView>>;

public sealed class GetSessionQueryValidator : AbstractValidator<GetSessionQuery>
{
    public GetSessionQueryValidator() => RuleFor(x => x.SessionId).Uuid("path.session_id");
}

public sealed class GetSessionQueryHandler(ISessionHistory history, IChatArchive chat, IFeedbackRepository feedback, PracticeAssignment practice)
    : IRequestHandler<GetSessionQuery, Result<SessionDetailView>>
{
    public async Task<Result<SessionDetailView>> Handle(GetSessionQuery request, CancellationToken cancellationToken)
    {
        var row = await history.GetAsync(request.UserId, request.SessionId.Value, cancellationToken);
        if (row is null) return PracticeErrors.SessionNotFound;

        var transcript = await chat.TranscriptAsync(row.SessionId, cancellationToken);
        var ratings = await feedback.ForSessionAsync(row.SessionId, cancellationToken);
        var payload = row.Practice is null ? null : practice.PayloadOf(row.Practice);
        var item = SessionHistoryItem.Of(row, practice);
        return new SessionDetailView(item.SessionId, item.PartnerId, item.PartnerUsername, item.Mode, item.StartedAt, item.EndedAt,
            item.DurationSeconds, item.Status, item.EndReason, item.EndedBy, item.Card, item.FeedbackGiven, item.FeedbackReceived,
            payload?.Part1Questions ?? [],
            transcript.Select(l => new TranscriptLineView(l.Id, l.FromUserId, l.Message, l.SentAt)).ToArray(),
            new SessionFeedbackView(
                ratings.Where(f => f.RaterId == request.UserId).Select(FeedbackView.Of).FirstOrDefault(),
                ratings.Where(f => f.RatedUserId == request.UserId).Select(FeedbackView.Of).FirstOrDefault()));
    }
}

/// <summary><c>GET /sessions/{session_id}/practice</c>: the card and Part 1 questions of a session of the caller's.</summary>
public sealed record GetSessionPracticeQuery(Guid UserId, Input<Guid> SessionId) : IRequest<Result<PracticePayload>>;

public sealed class GetSessionPracticeQueryValidator : AbstractValidator<GetSessionPracticeQuery>
{
    public GetSessionPracticeQueryValidator() => RuleFor(x => x.SessionId).Uuid("path.session_id");
}

public sealed class GetSessionPracticeQueryHandler(ISessionRepository sessions, PracticeAssignment practice)
    : IRequestHandler<GetSessionPracticeQuery, Result<PracticePayload>>
{
    public async Task<Result<PracticePayload>> Handle(GetSessionPracticeQuery request, CancellationToken cancellationToken)
    {
        var session = await sessions.GetAsync(request.SessionId.Value, cancellationToken);
        if (session is null || !session.IsParticipant(request.UserId)) return PracticeErrors.SessionNotFound;
        return await practice.ForSessionAsync(session, cancellationToken) is { } payload ? payload : PracticeErrors.NoPracticeCard;
    }
}
