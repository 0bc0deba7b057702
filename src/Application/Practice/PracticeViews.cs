using System.Text.Json.Serialization;
using Speaking.Domain.Practice;

namespace Speaking.Application.Practice;

// These shapes travel both on the WebSocket (no naming policy there) and over REST, so every name is spelt out.

/// <summary>A cue card on the wire.</summary>
public sealed record CueCardView(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("theme")] string Theme,
    [property: JsonPropertyName("topic")] string Topic,
    [property: JsonPropertyName("bullets")] IReadOnlyList<string> Bullets,
    [property: JsonPropertyName("part3_questions")] IReadOnlyList<string> Part3Questions)
{
    public static CueCardView Of(CueCard card) => new(card.Id, card.Version, card.Theme, card.Topic, card.Bullets, card.Part3Questions);
}

/// <summary>A Part 1 question on the wire.</summary>
public sealed record Part1QuestionView(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("theme")] string Theme,
    [property: JsonPropertyName("question")] string Question)
{
    public static Part1QuestionView Of(Part1Question question) => new(question.Id, question.Version, question.Theme, question.Question);
}

/// <summary>
/// <c>matched.data.practice</c> and <c>GET /sessions/{id}/practice</c>: the pair's cue card (with its Part 3
/// questions) and three Part 1 questions.
/// </summary>
public sealed record PracticePayload(
    [property: JsonPropertyName("card")] CueCardView Card,
    [property: JsonPropertyName("part1_questions")] IReadOnlyList<Part1QuestionView> Part1Questions);

/// <summary>One peer rating on the wire (the POST answer, the session detail, and <c>feedback_received</c>).</summary>
public sealed record FeedbackView(
    [property: JsonPropertyName("id")] Guid Id,
    [property: JsonPropertyName("session_id")] Guid SessionId,
    [property: JsonPropertyName("from_user_id")] Guid FromUserId,
    [property: JsonPropertyName("to_user_id")] Guid ToUserId,
    [property: JsonPropertyName("fluency_coherence")] double FluencyCoherence,
    [property: JsonPropertyName("lexical_resource")] double LexicalResource,
    [property: JsonPropertyName("grammatical_range_accuracy")] double GrammaticalRangeAccuracy,
    [property: JsonPropertyName("pronunciation")] double Pronunciation,
    [property: JsonPropertyName("overall_band")] double OverallBand,
    [property: JsonPropertyName("comment")] string? Comment,
    [property: JsonPropertyName("created_at")] string CreatedAt)
{
    public static FeedbackView Of(StoredFeedback f) => new(f.Id, f.SessionId, f.RaterId, f.RatedUserId, f.Scores.FluencyCoherence,
        f.Scores.LexicalResource, f.Scores.GrammaticalRangeAccuracy, f.Scores.Pronunciation, f.Scores.Overall, f.Comment,
        Realtime.Wire.ServerMessage.FormatTime(f.CreatedAt));
}
