namespace Speaking.Domain.Safety;

/// <summary>On what an estimated wait is based, from the most to the least direct evidence.</summary>
public enum EstimateBasis
{
    /// <summary>Someone within ±0.5 is waiting now: the next round pairs them, so at most one round interval.</summary>
    PartnerWaiting,
    /// <summary>The median wait of the last hour's level-filter matches whose ticket was in the same half band.</summary>
    BandMedian,
    /// <summary>No match in that band in the last hour: the median wait of all level-filter matches of the last hour.</summary>
    ModeMedian,
    /// <summary>No level-filter match in the last hour and nobody to pair with: no estimate.</summary>
    None,
}

public sealed record WaitEstimate(int? Seconds, EstimateBasis Basis);

/// <summary>The pure parts of <c>GET /queue/stats</c>: half-band buckets and the choice of an estimate.</summary>
public static class QueueInsight
{
    /// <summary>Absorbs binary noise (6.4999999999 is 6.5) without moving a real 6.49.</summary>
    private const double Noise = 1e-9;

    /// <summary>The half band a level falls in, rounded down: 6.0 holds levels from 6.0 up to (not including) 6.5.</summary>
    public static double HalfBandOf(double level) => Math.Floor(level * 2 + Noise) / 2;

    public static string ToWire(this EstimateBasis basis) => basis switch
    {
        EstimateBasis.PartnerWaiting => "partner_waiting",
        EstimateBasis.BandMedian => "band_median",
        EstimateBasis.ModeMedian => "mode_median",
        _ => "none",
    };

    /// <summary>
    /// The most direct evidence wins: a compatible ticket waiting now (the next round, at most
    /// <paramref name="roundIntervalSeconds"/>), else the band's median wait, else the mode's, else nothing. Medians are
    /// rounded up to whole seconds.
    /// </summary>
    public static WaitEstimate Estimate(bool partnerWaiting, double? bandMedianSeconds, double? modeMedianSeconds, int roundIntervalSeconds)
    {
        if (partnerWaiting) return new WaitEstimate(roundIntervalSeconds, EstimateBasis.PartnerWaiting);
        if (bandMedianSeconds is { } band) return new WaitEstimate(Seconds(band), EstimateBasis.BandMedian);
        if (modeMedianSeconds is { } mode) return new WaitEstimate(Seconds(mode), EstimateBasis.ModeMedian);
        return new WaitEstimate(null, EstimateBasis.None);
    }

    private static int Seconds(double median) => (int)Math.Ceiling(Math.Max(0, median) - Noise);
}
