using Speaking.Domain.Common;

namespace Speaking.Domain.Practice;

/// <summary>
/// IELTS half bands. A criterion score is a whole or half band from 1 to 9; an overall band is the mean of the four
/// criteria rounded to the nearest half band, where a mean ending in .25 rounds up to .5 and one ending in .75 rounds
/// up to the next whole band (6.125 → 6.0, 6.25 → 6.5, 6.75 → 7.0).
/// </summary>
public static class HalfBand
{
    /// <summary>Absorbs binary noise in sums of averages (6.2499999999 is 6.25) without moving a real 6.24.</summary>
    private const double Noise = 1e-9;

    /// <summary>A score a rater may give: 1.0, 1.5, … 9.0.</summary>
    public static bool IsValidScore(double value) =>
        IeltsBand.IsValid(value) && Math.Abs(value * 2 - Math.Round(value * 2)) < Noise;

    /// <summary>The nearest half band, ties rounding up (the IELTS rule), kept within 1.0–9.0.</summary>
    public static double Round(double mean)
    {
        if (double.IsNaN(mean)) throw new ArgumentOutOfRangeException(nameof(mean), mean, "A band needs a number.");
        var rounded = Math.Floor(mean * 2 + 0.5 + Noise) / 2;
        return Math.Clamp(rounded, IeltsBand.Min, IeltsBand.Max);
    }

    /// <summary>The overall band of four criterion scores (or averages): their mean, rounded to a half band.</summary>
    public static double Overall(double a, double b, double c, double d) => Round((a + b + c + d) / 4);
}
