using System.Text;
using Speaking.Domain.Practice;
using Speaking.Infrastructure.Practice;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Domain.Practice;

/// <summary>The shipped bank: enough material, unique ids, the exam's shape, sensible lengths.</summary>
public class TopicBankTests
{
    private static readonly TopicBank Bank = Fakes.Bank;

    [Fact]
    public void TheShippedBank_HasAtLeastSixtyCardsAndEightyPart1QuestionsOverFifteenThemes()
    {
        Bank.Cards.Count.ShouldBeGreaterThanOrEqualTo(60);
        Bank.Part1Questions.Count.ShouldBeGreaterThanOrEqualTo(80);
        Bank.Part1Questions.Select(q => q.Theme).Distinct().Count().ShouldBeGreaterThanOrEqualTo(15);
    }

    [Fact]
    public void EveryItem_HasAUniqueIdAndAVersion()
    {
        var ids = Bank.Cards.Select(c => c.Id).Concat(Bank.Part1Questions.Select(q => q.Id)).ToArray();
        ids.Distinct().Count().ShouldBe(ids.Length);
        ids.ShouldAllBe(id => System.Text.RegularExpressions.Regex.IsMatch(id, "^[a-z0-9][a-z0-9-]{1,39}$"));
        Bank.Cards.ShouldAllBe(c => c.Version >= 1);
        Bank.Part1Questions.ShouldAllBe(q => q.Version >= 1);
    }

    [Fact]
    public void EveryCard_HasTheExamShape()
    {
        foreach (var card in Bank.Cards)
        {
            card.Topic.ShouldStartWith("Describe ", customMessage: card.Id);
            card.Topic.Length.ShouldBeLessThanOrEqualTo(TopicBank.MaxTopicLength, card.Id);
            card.Bullets.Count.ShouldBeInRange(3, 4, card.Id);
            card.Bullets.ShouldAllBe(b => b.Length > 0 && b.Length <= TopicBank.MaxBulletLength);
            card.Bullets[^1].ShouldStartWith("and explain", customMessage: card.Id);
            card.Part3Questions.Count.ShouldBeInRange(4, 6, card.Id);
            card.Part3Questions.ShouldAllBe(q => q.EndsWith('?') && q.Length <= TopicBank.MaxQuestionLength);
            card.Theme.ShouldNotBeNullOrWhiteSpace();
        }

        Bank.Cards.Select(c => c.Topic).Distinct().Count().ShouldBe(Bank.Cards.Count);
    }

    [Fact]
    public void EveryPart1Question_IsAQuestion_AndEveryThemeHasEnoughForAPart1Frame()
    {
        Bank.Part1Questions.ShouldAllBe(q => q.Question.EndsWith('?') && q.Question.Length <= TopicBank.MaxQuestionLength);
        Bank.Part1Questions.Select(q => q.Question).Distinct().Count().ShouldBe(Bank.Part1Questions.Count);
        Bank.Part1Questions.GroupBy(q => q.Theme).ShouldAllBe(g => g.Count() >= CardChoice.Part1QuestionCount);
    }

    [Fact]
    public void Find_LooksItemsUpById()
    {
        Bank.FindCard(Bank.Cards[5].Id).ShouldBe(Bank.Cards[5]);
        Bank.FindQuestion(Bank.Part1Questions[7].Id).ShouldBe(Bank.Part1Questions[7]);
        Bank.FindCard("card-999").ShouldBeNull();
    }

    [Fact]
    public void Create_RefusesABankWithProblems_AndNamesEachOne()
    {
        var cards = Bank.Cards.ToList();
        cards[0] = cards[0] with { Bullets = ["only one"] };
        cards[1] = cards[1] with { Id = cards[2].Id };
        cards[3] = cards[3] with { Topic = new string('x', TopicBank.MaxTopicLength + 1) };
        cards[4] = cards[4] with { Version = 0 };
        cards[5] = cards[5] with { Id = "Not An Id" };
        cards[6] = cards[6] with { Part3Questions = ["Why?", "How?", "What?"] };

        var problems = TopicBank.Problems(cards, Bank.Part1Questions);

        problems.ShouldContain(p => p.Contains("1 bullets"));
        problems.ShouldContain(p => p.Contains($"id '{cards[2].Id}' is used more than once"));
        problems.ShouldContain(p => p.Contains("topic longer than"));
        problems.ShouldContain(p => p.Contains("version 0"));
        problems.ShouldContain(p => p.Contains("'Not An Id' is not a valid id"));
        problems.ShouldContain(p => p.Contains("3 Part 3 questions"));
        Should.Throw<InvalidOperationException>(() => TopicBank.Create(cards, Bank.Part1Questions));
    }

    [Fact]
    public void Problems_CountsTheMinimums()
    {
        var problems = TopicBank.Problems(Bank.Cards.Take(59).ToArray(), Bank.Part1Questions.Take(79).ToArray());

        problems.ShouldContain("59 cue cards, at least 60 needed");
        problems.ShouldContain("79 Part 1 questions, at least 80 needed");
    }

    [Fact]
    public void Loader_RefusesAFileWithAMissingField()
    {
        const string json = """{"cue_cards":[{"id":"card-001","version":1,"theme":"people","bullets":[],"part3_questions":[]}],"part1_questions":[]}""";

        Should.Throw<System.Text.Json.JsonException>(() => TopicBankLoader.Parse(new MemoryStream(Encoding.UTF8.GetBytes(json))));
    }
}
