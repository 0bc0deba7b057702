using System.Text.Json;
using System.Text.Json.Serialization;
using Speaking.Domain.Practice;

namespace Speaking.Infrastructure.Practice;

/// <summary>
/// Reads the topic bank shipped inside this assembly (<c>Practice/TopicBank.json</c>) and validates it: a broken
/// bank stops start-up with every problem listed, rather than handing out half a card.
/// </summary>
public static class TopicBankLoader
{
    private const string Resource = "Speaking.Infrastructure.Practice.TopicBank.json";

    /// <summary>A missing field or a null where text belongs is a broken file, not an empty value.</summary>
    private static readonly JsonSerializerOptions Strict = new() { RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true };

    public static TopicBank LoadEmbedded()
    {
        using var stream = typeof(TopicBankLoader).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"The topic bank resource {Resource} is missing.");
        return Parse(stream);
    }

    public static TopicBank Parse(Stream json)
    {
        var file = JsonSerializer.Deserialize<BankFile>(json, Strict) ?? throw new InvalidOperationException("The topic bank is empty.");
        var cards = file.CueCards.Select(c => new CueCard(c.Id, c.Version, c.Theme, c.Topic, c.Bullets, c.Part3Questions)).ToArray();
        var questions = file.Part1Questions.Select(q => new Part1Question(q.Id, q.Version, q.Theme, q.Question)).ToArray();
        return TopicBank.Create(cards, questions);
    }

    private sealed record BankFile(
        [property: JsonPropertyName("cue_cards")] IReadOnlyList<CardEntry> CueCards,
        [property: JsonPropertyName("part1_questions")] IReadOnlyList<QuestionEntry> Part1Questions);

    private sealed record CardEntry(
        [property: JsonPropertyName("id")] string Id,
        [property: JsonPropertyName("version")] int Version,
        [property: JsonPropertyName("theme")] string Theme,
        [property: JsonPropertyName("topic")] string Topic,
        [property: JsonPropertyName("bullets")] IReadOnlyList<string> Bullets,
        [property: JsonPropertyName("part3_questions")] IReadOnlyList<string> Part3Questions);

    private sealed record QuestionEntry(
        [property: JsonPropertyName("id")] string Id,
        [property: JsonPropertyName("version")] int Version,
        [property: JsonPropertyName("theme")] string Theme,
        [property: JsonPropertyName("question")] string Question);
}
