namespace Speaking.Domain.Practice;

/// <summary>
/// Which cue card and which Part 1 questions a new pair gets. Pure: the caller passes what the two users have seen
/// and a seeded <see cref="Random"/>, so a test can replay any choice.
/// </summary>
public static class CardChoice
{
    /// <summary>A card never comes back within this many of either user's sessions.</summary>
    public const int RecentSessions = 20;

    public const int Part1QuestionCount = 3;

    /// <summary>
    /// A card neither user saw in their last <see cref="RecentSessions"/> sessions. Two users have seen at most 40
    /// cards in those and the bank holds at least 60, so a fresh card always exists; if a smaller bank ever ran
    /// out, any card is taken rather than none.
    /// </summary>
    public static CueCard ChooseCard(IReadOnlyList<CueCard> cards, IReadOnlySet<string> recentlySeen, Random random)
    {
        if (cards.Count == 0) throw new ArgumentException("The bank has no cards.", nameof(cards));
        var fresh = cards.Where(c => !recentlySeen.Contains(c.Id)).ToArray();
        var pool = fresh.Length > 0 ? fresh : cards.ToArray();
        return pool[random.Next(pool.Length)];
    }

    /// <summary>
    /// <see cref="Part1QuestionCount"/> different questions on one everyday theme, in the bank's order (which goes
    /// from the simplest question of a theme to the more open ones), as an examiner's Part 1 frame would.
    /// </summary>
    public static IReadOnlyList<Part1Question> ChoosePart1(IReadOnlyList<Part1Question> questions, Random random)
    {
        var themes = questions.GroupBy(q => q.Theme).Where(g => g.Count() >= Part1QuestionCount).ToArray();
        if (themes.Length == 0) throw new ArgumentException($"No theme has {Part1QuestionCount} questions.", nameof(questions));

        var theme = themes[random.Next(themes.Length)].ToArray();
        var picked = new HashSet<int>();
        while (picked.Count < Part1QuestionCount) picked.Add(random.Next(theme.Length));
        return picked.Order().Select(i => theme[i]).ToArray();
    }
}
