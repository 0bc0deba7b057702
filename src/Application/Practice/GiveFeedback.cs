using FluentValidation;
using MediatR;
using Microsoft.Extensions.Options;
using Speaking.Application.Common;
using Speaking.Application.Queue;
using Speaking.Application.Sessions;
using Speaking.Application.Realtime.Wire;
using Speaking.Application.Realtime;
using Speaking.Domain.Common;
using Speaking.Domain.Practice;

namespace Speaking.Application.Practice;

/// <summary>
/// <c>POST /sessions/{session_id}/feedback</c>: one participant rates the other on the four criteria, once, after a
/// session that ended and lasted at least FEEDBACK_MIN_SESSION_SECONDS. The rated user hears of it at once if online.
/// </summary>
public sealed record GiveFeedbackCommand(Guid CallerId, Input<Guid> SessionId, BodyShape Body, Input<double> FluencyCoherence,
    Input<double> LexicalResource, Input<double> GrammaticalRangeAccuracy, Input<double> Pronunciation, Input<string> Comment)
    : IRequest<Result<FeedbackView>>;

public sealed class GiveFeedbackCommandValidator : AbstractValidator<GiveFeedbackCommand>
{
    public GiveFeedbackCommandValidator()
    {
        RuleFor(x => x.SessionId).Uuid("path.session_id");
        RuleFor(x => x.Body).RequiredBody();
        When(x => x.Body == BodyShape.Object, () =>
        {
            Score(x => x.FluencyCoherence, CriterionNames.FluencyCoherence);
            Score(x => x.LexicalResource, CriterionNames.LexicalResource);
            Score(x => x.GrammaticalRangeAccuracy, CriterionNames.GrammaticalRangeAccuracy);
            Score(x => x.Pronunciation, CriterionNames.Pronunciation);
            // An explicit null means "no comment".
            RuleFor(x => x.Comment).Text("body.comment", 0, FeedbackRules.MaxCommentLength, required: false)
                .When(x => x.Comment.State != InputState.Null);
        });
    }

    private void Score(System.Linq.Expressions.Expression<Func<GiveFeedbackCommand, Input<double>>> field, string name)
    {
        RuleFor(field).Band("body." + name, required: true);
        RuleFor(field).HalfBandStep("body." + name);
    }
}

public sealed class GiveFeedbackCommandHandler(ISessionRepository sessions, IFeedbackRepository feedback, IRealtimeNotifier notifier,
    IClock clock, IOptions<PracticeOptions> options) : IRequestHandler<GiveFeedbackCommand, Result<FeedbackView>>
{
    public async Task<Result<FeedbackView>> Handle(GiveFeedbackCommand request, CancellationToken cancellationToken)
    {
        var sessionId = request.SessionId.Value;
        var session = await sessions.GetAsync(sessionId, cancellationToken);
        var given = session is not null && session.IsParticipant(request.CallerId)
            && await feedback.HasGivenAsync(sessionId, request.CallerId, cancellationToken);
        var allowed = FeedbackRules.CanRate(session, request.CallerId, given,
            TimeSpan.FromSeconds(options.Value.FeedbackMinSessionSeconds));
        if (!allowed.IsSuccess) return allowed.Error!;

        var scores = new PeerScores(request.FluencyCoherence.Value, request.LexicalResource.Value,
            request.GrammaticalRangeAccuracy.Value, request.Pronunciation.Value);
        var comment = request.Comment.IsPresent && !string.IsNullOrWhiteSpace(request.Comment.Value) ? request.Comment.Value : null;
        var stored = new StoredFeedback(Guid.NewGuid(), sessionId, request.CallerId, session!.PartnerOf(request.CallerId), scores, comment,
            clock.UtcNow);
        if (!await feedback.TryAddAsync(stored, cancellationToken)) return PracticeErrors.FeedbackAlreadyGiven;

        var view = FeedbackView.Of(stored);
        await notifier.SendToUserAsync(stored.RatedUserId, new FeedbackReceivedMessage(view));
        return view;
    }
}
