using Speaking.Domain.Common;

namespace Speaking.UnitTests.Domain;

public class IeltsBandTests
{
    [Theory]
    [InlineData(1.0, true)]
    [InlineData(9.0, true)]
    [InlineData(6.37, true)]
    [InlineData(0.99, false)]
    [InlineData(9.01, false)]
    [InlineData(double.NaN, false)]
    [InlineData(double.PositiveInfinity, false)]
    public void IsValid_AcceptsOnlyOneToNineInclusive(double value, bool valid) => IeltsBand.IsValid(value).ShouldBe(valid);

    [Theory]
    [InlineData(0.5)]
    [InlineData(9.5)]
    [InlineData(double.NaN)]
    public void From_RefusesValuesOutsideTheScale(double value) =>
        Should.Throw<ArgumentOutOfRangeException>(() => IeltsBand.From(value));

    [Fact]
    public void From_KeepsTheValue() => IeltsBand.From(6.5).Value.ShouldBe(6.5);

    [Theory]
    [InlineData(6.0, 6.5, true)]
    [InlineData(6.3, 5.8, true)]
    [InlineData(6.0, 6.51, false)]
    [InlineData(5.49, 6.0, false)]
    public void IsWithinHalfBandOf_IncludesExactlyHalfABandAndNoMore(double a, double b, bool within)
    {
        IeltsBand.From(a).IsWithinHalfBandOf(IeltsBand.From(b)).ShouldBe(within);
        IeltsBand.From(b).IsWithinHalfBandOf(IeltsBand.From(a)).ShouldBe(within);
    }

    [Fact]
    public void DistanceTo_IsSymmetricAndAbsolute()
    {
        IeltsBand.From(5.0).DistanceTo(IeltsBand.From(7.5)).ShouldBe(2.5);
        IeltsBand.From(7.5).DistanceTo(IeltsBand.From(5.0)).ShouldBe(2.5);
    }

    [Theory]
    [InlineData(6.0, "6.0")]
    [InlineData(6.5, "6.5")]
    [InlineData(6.25, "6.25")]
    public void ToString_AlwaysShowsAFraction(double value, string text) => IeltsBand.From(value).ToString().ShouldBe(text);
}
