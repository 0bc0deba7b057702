using System.Text.RegularExpressions;

namespace Speaking.Domain.Practice;

/// <summary>
/// A Part 2 cue card: the topic ("Describe …"), the 3–4 bullet prompts under "You should say:", and 4–6 Part 3
/// questions that take the topic further. <see cref="Version"/> grows whenever the wording changes; the id never does.
/// </summary>
public sealed record CueCard(string Id, int Version, string Theme, string Topic, IReadOnlyList<string> Bullets,
    IReadOnlyList<string> Part3Questions);

/// <summary>A Part 1 question about a familiar, everyday theme.</summary>
public sealed record Part1Question(string Id, int Version, string Theme, string Question);

/// <summary>
/// Every cue card and Part 1 question the service can hand out, checked once when it is loaded: enough of each,
/// unique ids, and the exam's shape (3–4 bullets, 4–6 Part 3 questions) within sensible lengths.
/// </summary>
public sealed partial class TopicBank
{
    public const int MinCards = 60;
    public const int MinPart1Questions = 80;
    public const int MinPart1Themes = 15;
    public const int MinBullets = 3;
    public const int MaxBullets = 4;
    public const int MinPart3Questions = 4;
    public const int MaxPart3Questions = 6;
    public const int MaxTopicLength = 120;
    public const int MaxBulletLength = 100;
    public const int MaxQuestionLength = 200;
    public const int MaxThemeLength = 40;

    private readonly Dictionary<string, CueCard> _cards;
    private readonly Dictionary<string, Part1Question> _questions;

    private TopicBank(IReadOnlyList<CueCard> cards, IReadOnlyList<Part1Question> questions)
    {
        Cards = cards;
        Part1Questions = questions;
        _cards = cards.ToDictionary(c => c.Id);
        _questions = questions.ToDictionary(q => q.Id);
    }

    public IReadOnlyList<CueCard> Cards { get; }

    public IReadOnlyList<Part1Question> Part1Questions { get; }

    /// <summary>A bank that passed <see cref="Problems"/>; throws with every problem listed otherwise.</summary>
    public static TopicBank Create(IReadOnlyList<CueCard> cards, IReadOnlyList<Part1Question> questions)
    {
        var problems = Problems(cards, questions);
        if (problems.Count > 0) throw new InvalidOperationException("The topic bank is not valid: " + string.Join("; ", problems));
        return new TopicBank(cards, questions);
    }

    public CueCard? FindCard(string id) => _cards.GetValueOrDefault(id);

    public Part1Question? FindQuestion(string id) => _questions.GetValueOrDefault(id);

    /// <summary>Everything wrong with a would-be bank, one sentence each; empty when it is fine.</summary>
    public static IReadOnlyList<string> Problems(IReadOnlyList<CueCard> cards, IReadOnlyList<Part1Question> questions)
    {
        var problems = new List<string>();
        if (cards.Count < MinCards) problems.Add($"{cards.Count} cue cards, at least {MinCards} needed");
        if (questions.Count < MinPart1Questions) problems.Add($"{questions.Count} Part 1 questions, at least {MinPart1Questions} needed");
        var themes = questions.Select(q => q.Theme).Distinct().Count();
        if (themes < MinPart1Themes) problems.Add($"Part 1 questions cover {themes} themes, at least {MinPart1Themes} needed");

        var ids = cards.Select(c => c.Id).Concat(questions.Select(q => q.Id)).ToArray();
        foreach (var duplicate in ids.GroupBy(id => id).Where(g => g.Count() > 1)) problems.Add($"id '{duplicate.Key}' is used more than once");

        foreach (var card in cards)
        {
            CheckItem(problems, card.Id, card.Version, card.Theme);
            CheckText(problems, card.Id, "topic", card.Topic, MaxTopicLength);
            if (card.Bullets.Count is < MinBullets or > MaxBullets)
                problems.Add($"{card.Id}: {card.Bullets.Count} bullets, {MinBullets}–{MaxBullets} expected");
            foreach (var bullet in card.Bullets) CheckText(problems, card.Id, "bullet", bullet, MaxBulletLength);
            if (card.Part3Questions.Count is < MinPart3Questions or > MaxPart3Questions)
                problems.Add($"{card.Id}: {card.Part3Questions.Count} Part 3 questions, {MinPart3Questions}–{MaxPart3Questions} expected");
            foreach (var question in card.Part3Questions) CheckText(problems, card.Id, "Part 3 question", question, MaxQuestionLength);
            if (card.Part3Questions.Distinct().Count() != card.Part3Questions.Count) problems.Add($"{card.Id}: a Part 3 question is repeated");
        }

        foreach (var question in questions)
        {
            CheckItem(problems, question.Id, question.Version, question.Theme);
            CheckText(problems, question.Id, "question", question.Question, MaxQuestionLength);
        }

        return problems;
    }

    private static void CheckItem(List<string> problems, string id, int version, string theme)
    {
        if (id is null || !IdPattern().IsMatch(id)) problems.Add($"'{id}' is not a valid id (lower-case letters, digits and hyphens)");
        if (version < 1) problems.Add($"{id}: version {version}, at least 1 expected");
        CheckText(problems, id ?? "?", "theme", theme, MaxThemeLength);
    }

    private static void CheckText(List<string> problems, string id, string what, string? text, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(text)) problems.Add($"{id}: empty {what}");
        else if (text.Length > maxLength) problems.Add($"{id}: {what} longer than {maxLength} characters");
        else if (text != text.Trim()) problems.Add($"{id}: {what} has surrounding spaces");
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,39}$")]
    private static partial Regex IdPattern();
}
