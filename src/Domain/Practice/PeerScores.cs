namespace Speaking.Domain.Practice;

/// <summary>The four IELTS speaking criteria, in the order the public band descriptors list them.</summary>
public enum Criterion
{
    FluencyCoherence,
    LexicalResource,
    GrammaticalRangeAccuracy,
    Pronunciation,
}

public static class CriterionNames
{
    public const string FluencyCoherence = "fluency_coherence";
    public const string LexicalResource = "lexical_resource";
    public const string GrammaticalRangeAccuracy = "grammatical_range_accuracy";
    public const string Pronunciation = "pronunciation";

    public static readonly IReadOnlyList<string> All = [FluencyCoherence, LexicalResource, GrammaticalRangeAccuracy, Pronunciation];
}

/// <summary>One rater's four half-band scores for one partner in one session.</summary>
public sealed record PeerScores(double FluencyCoherence, double LexicalResource, double GrammaticalRangeAccuracy, double Pronunciation)
{
    public bool AreValid =>
        HalfBand.IsValidScore(FluencyCoherence) && HalfBand.IsValidScore(LexicalResource)
        && HalfBand.IsValidScore(GrammaticalRangeAccuracy) && HalfBand.IsValidScore(Pronunciation);

    public double Overall => HalfBand.Overall(FluencyCoherence, LexicalResource, GrammaticalRangeAccuracy, Pronunciation);
}
