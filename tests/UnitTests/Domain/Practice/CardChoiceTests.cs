using CsCheck;
using Speaking.Domain.Practice;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Domain.Practice;

public class CardChoiceTests
{
    private static readonly IReadOnlyList<CueCard> Cards = Fakes.Bank.Cards;

    [Fact]
    public void ChooseCard_NeverPicksACardEitherUserSawInTheirLastTwentySessions() =>
        // Any two histories of up to 20 cards each (overlapping or not), any seed.
        Gen.Select(Gen.Int[0, Cards.Count - 1].Array[0, CardChoice.RecentSessions], Gen.Int[0, Cards.Count - 1].Array[0, CardChoice.RecentSessions],
                Gen.Int)
            .Sample((mine, theirs, seed) =>
            {
                var seen = mine.Concat(theirs).Select(i => Cards[i].Id).ToHashSet();
                var card = CardChoice.ChooseCard(Cards, seen, new Random(seed));
                seen.ShouldNotContain(card.Id);
            });

    [Fact]
    public void ChooseCard_WithEveryCardSeen_StillGivesOne()
    {
        var card = CardChoice.ChooseCard(Cards, Cards.Select(c => c.Id).ToHashSet(), new Random(1));

        Cards.ShouldContain(card);
    }

    [Fact]
    public void ChooseCard_IsRepeatableForASeed_AndSpreadsOverTheBank()
    {
        CardChoice.ChooseCard(Cards, new HashSet<string>(), new Random(42)).ShouldBe(CardChoice.ChooseCard(Cards, new HashSet<string>(), new Random(42)));
        Enumerable.Range(0, 500).Select(seed => CardChoice.ChooseCard(Cards, new HashSet<string>(), new Random(seed)).Id).Distinct().Count()
            .ShouldBeGreaterThan(Cards.Count / 2);
    }

    [Fact]
    public void ChoosePart1_GivesThreeDifferentQuestionsOfOneThemeInBankOrder() =>
        Gen.Int.Sample(seed =>
        {
            var questions = CardChoice.ChoosePart1(Fakes.Bank.Part1Questions, new Random(seed));

            questions.Count.ShouldBe(3);
            questions.Select(q => q.Id).Distinct().Count().ShouldBe(3);
            questions.Select(q => q.Theme).Distinct().Count().ShouldBe(1);
            var order = Fakes.Bank.Part1Questions.ToList();
            questions.Select(q => order.IndexOf(q)).ShouldBeInOrder();
        });
}
