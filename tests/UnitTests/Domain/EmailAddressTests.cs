using Speaking.Domain.Users;

namespace Speaking.UnitTests.Domain;

public class EmailAddressTests
{
    [Theory]
    [InlineData("ann@example.com", "ann@example.com")]
    [InlineData("Ann@Example.COM", "Ann@example.com")]
    [InlineData("  Ann@Example.com \t", "Ann@example.com")]
    [InlineData("Ann <Ann@Example.COM>", "Ann@example.com")]
    [InlineData("first.last+tag@sub.example.org", "first.last+tag@sub.example.org")]
    public void Normalise_LowerCasesTheDomainAndKeepsTheLocalPart(string input, string expected)
    {
        EmailAddress.Normalise(input, out var reason).ShouldBe(expected);
        reason.ShouldBeNull();
    }

    [Theory]
    [InlineData("ann@example.test")]
    [InlineData("ann@printer.local")]
    [InlineData("ann@localhost.localhost")]
    [InlineData("ann@x.invalid")]
    [InlineData("ann@hidden.onion")]
    [InlineData("ann@1.0.0.127.in-addr.arpa")]
    [InlineData("ann@EXAMPLE.TEST")]
    public void Normalise_RejectsSpecialUseDomains(string input)
    {
        EmailAddress.Normalise(input, out var reason).ShouldBeNull();
        reason!.ShouldContain("special-use");
    }

    [Theory]
    [InlineData("ann@localhost", "period")]
    [InlineData("ann@example", "period")]
    [InlineData("annexample.com", "@-sign")]
    [InlineData("@example.com", "before the @-sign")]
    [InlineData("ann@", "after the @-sign")]
    [InlineData(".ann@example.com", "before the @-sign")]
    [InlineData("an..n@example.com", "before the @-sign")]
    [InlineData("ann@exa_mple.com", "after the @-sign")]
    public void Normalise_RejectsMalformedAddressesWithAReason(string input, string reasonPart)
    {
        EmailAddress.Normalise(input, out var reason).ShouldBeNull();
        reason!.ShouldContain(reasonPart);
    }

    [Fact]
    public void Normalise_RejectsAddressesLongerThan255Characters()
    {
        var input = new string('a', 64) + "@" + string.Join('.', Enumerable.Repeat(new string('b', 60), 4)) + ".com";

        EmailAddress.Normalise(input, out var reason).ShouldBeNull();
        reason!.ShouldContain("too long");
    }
}
