using System.Text;
using System.Text.Json;
using Speaking.Application.Auth;
using Speaking.Application.Common;
using Speaking.Application.Partners;
using Speaking.Application.Queue;
using Speaking.Domain.Common;

namespace Speaking.UnitTests.Application;

/// <summary>Issue 12, items 1–4: the one text rule refuses NUL; non-finite numbers have their own 422 type; the strict text scan.</summary>
public class HostileTextTests
{
    [Theory]
    [InlineData("A\0nn")]
    [InlineData("\0")]
    [InlineData("Ann\0")]
    public void EveryTextField_RefusesNul(string text)
    {
        new RegisterCommandValidator().Problems(new RegisterCommand(BodyShape.Object, "ann@example.com", "secret1", text,
                Input<double>.Missing, Input<double>.Missing, null))
            .ShouldBe([("value_error", "body.username", "Value error, String should not contain NUL characters")]);
        new SearchUsersQueryValidator().Problems(new SearchUsersQuery(Guid.NewGuid(), "xy" + text))
            .ShouldBe([("value_error", "query.q", "Value error, String should not contain NUL characters")]);
        new LoginCommandValidator().Problems(new LoginCommand("ann@example.com", text, Input<string>.Missing, null))
            .ShouldBe([("value_error", "body.password", "Value error, String should not contain NUL characters")]);
    }

    [Fact]
    public void ANumberOutsideDoublesRange_IsFiniteNumber()
    {
        using var document = JsonDocument.Parse("1e400");
        var validator = new JoinQueueCommandValidator();

        validator.Problems(new JoinQueueCommand(Guid.NewGuid(), QueueMode.LevelFilter, BodyShape.Object,
                Input<double>.Invalid(document.RootElement.Clone())))
            .ShouldBe([("finite_number", "body.level_filter", "Input should be a finite number")]);
    }

    [Theory]
    [InlineData("""{"a":"plain","b":["x",1,{"c":"\u00e9\ud83d\ude00"}]}""", JsonTextProblem.None)]
    [InlineData("""{"a":"\ud800"}""", JsonTextProblem.NotUnicode)]
    [InlineData("""{"\udfff":1}""", JsonTextProblem.NotUnicode)]
    [InlineData("""["ok","\ud83d\ud83d"]""", JsonTextProblem.NotUnicode)]
    [InlineData("""{"a":"x\u0000y"}""", JsonTextProblem.Nul)]
    [InlineData("""{"\u0000":1}""", JsonTextProblem.Nul)]
    [InlineData("""{"a":"\u0000","b":"\ud800"}""", JsonTextProblem.NotUnicode)]
    public void JsonText_FindsLoneSurrogatesAndNul(string json, JsonTextProblem expected) =>
        JsonText.Check(Encoding.UTF8.GetBytes(json)).Problem.ShouldBe(expected);

    [Fact]
    public void JsonText_FindsInvalidUtf8_AndSaysWhere()
    {
        byte[] json = [.. "{\"name\":\"ok\",\"x\":\"a"u8, 0xC3, 0x28, .. "\"}"u8];

        var (problem, offset) = JsonText.Check(json);

        problem.ShouldBe(JsonTextProblem.NotUnicode);
        offset.ShouldBe(17);
    }
}
