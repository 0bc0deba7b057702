using Microsoft.Extensions.Logging;
using Speaking.Application.Common;
using Speaking.Domain.Practice;
using Speaking.Domain.Sessions;

namespace Speaking.Application.Practice;

/// <summary>
/// Gives every new session its practice material: a cue card neither user saw in their last 20 sessions and three
/// Part 1 questions, stored with the session so that a resend of <c>matched</c>, <c>GET /sessions/{id}/practice</c>
/// and history all show the same card. The choice is seeded by the session id, so it is repeatable.
/// </summary>
/// <remarks>
/// The realtime side calls <see cref="AssignAsync"/> once the sessions are committed and before <c>matched</c> goes
/// out. It never fails that path: if the store cannot be reached the sessions simply get no <c>practice</c> key.
/// </remarks>
public sealed class PracticeAssignment(IPracticeRepository practice, TopicBank bank, IClock clock, ILogger<PracticeAssignment> logger)
{
    /// <summary>The practice payload of each session, assigning one where there is none yet. Sessions without one are left out.</summary>
    public async Task<IReadOnlyDictionary<Guid, PracticePayload>> AssignAsync(IReadOnlyList<Session> sessions, CancellationToken ct)
    {
        if (sessions.Count == 0) return new Dictionary<Guid, PracticePayload>();
        try
        {
            var users = sessions.SelectMany(s => new[] { s.User1Id, s.User2Id }).ToHashSet();
            var seen = await practice.RecentCardsAsync(users, sessions.Select(s => s.Id).ToArray(), CardChoice.RecentSessions, ct);
            var now = clock.UtcNow;
            var proposed = sessions.Select(s => Propose(s, seen, now)).ToArray();
            var stored = await practice.AssignAsync(proposed, ct);
            return stored
                .Select(record => (record.SessionId, Payload: PayloadOf(record)))
                .Where(x => x.Payload is not null)
                .ToDictionary(x => x.SessionId, x => x.Payload!);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogWarning(e, "Could not assign practice cards to {Count} sessions; they start without one", sessions.Count);
            return new Dictionary<Guid, PracticePayload>();
        }
    }

    /// <summary>What a session got; an active session without one (it started while the store was away) gets one now.</summary>
    public async Task<PracticePayload?> ForSessionAsync(Session session, CancellationToken ct)
    {
        if (await practice.GetAssignmentAsync(session.Id, ct) is { } stored) return PayloadOf(stored);
        if (!session.IsActive) return null;
        return (await AssignAsync([session], ct)).GetValueOrDefault(session.Id);
    }

    /// <summary>The payload of a stored assignment, in the bank's current wording; null if the card left the bank.</summary>
    public PracticePayload? PayloadOf(PracticeAssignmentRecord record)
    {
        if (bank.FindCard(record.CardId) is not { } card) return null;
        var questions = record.Part1QuestionIds.Select(bank.FindQuestion).OfType<Part1Question>().Select(Part1QuestionView.Of).ToArray();
        return new PracticePayload(CueCardView.Of(card), questions);
    }

    public CueCardView? CardOf(PracticeAssignmentRecord? record) =>
        record is not null && bank.FindCard(record.CardId) is { } card ? CueCardView.Of(card) : null;

    private PracticeAssignmentRecord Propose(Session session, IReadOnlyDictionary<Guid, IReadOnlySet<string>> seen, DateTime now)
    {
        var random = new Random(session.Id.GetHashCode());
        var avoid = new HashSet<string>(seen.GetValueOrDefault(session.User1Id) ?? new HashSet<string>());
        avoid.UnionWith(seen.GetValueOrDefault(session.User2Id) ?? new HashSet<string>());
        var card = CardChoice.ChooseCard(bank.Cards, avoid, random);
        var questions = CardChoice.ChoosePart1(bank.Part1Questions, random);
        return new PracticeAssignmentRecord(session.Id, card.Id, card.Version, questions.Select(q => q.Id).ToArray(), now);
    }
}
