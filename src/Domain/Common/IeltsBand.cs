namespace Speaking.Domain.Common;

/// <summary>An IELTS band score between 1.0 and 9.0 (any fraction is accepted, as in the original API).</summary>
public readonly record struct IeltsBand
{
    public const double Min = 1.0;
    public const double Max = 9.0;

    /// <summary>Two bands are compatible for level-filter pairing when they differ by at most half a band.</summary>
    public const double Tolerance = 0.5;

    /// <summary>
    /// The largest distance that still counts as within half a band: the tolerance plus a margin that absorbs binary
    /// floating-point noise (6.3 - 5.8 = 0.5000000000000004) without admitting 0.51.
    /// </summary>
    public const double CompatibleDistance = Tolerance + 1e-9;

    private IeltsBand(double value) => Value = value;

    public double Value { get; }

    public static bool IsValid(double value) => !double.IsNaN(value) && value >= Min && value <= Max;

    public static IeltsBand From(double value) =>
        IsValid(value) ? new IeltsBand(value) : throw new ArgumentOutOfRangeException(nameof(value), value, "An IELTS band is between 1.0 and 9.0.");

    public double DistanceTo(IeltsBand other) => Math.Abs(Value - other.Value);

    public bool IsWithinHalfBandOf(IeltsBand other) => DistanceTo(other) <= CompatibleDistance;

    public override string ToString() => Value.ToString("0.0#", System.Globalization.CultureInfo.InvariantCulture);
}
