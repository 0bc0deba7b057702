namespace Speaking.Domain.Safety;

/// <summary>Why a user reports another (<c>POST /users/{id}/report</c>, field <c>reason</c>).</summary>
public enum ReportReason
{
    Harassment,
    Inappropriate,
    Spam,
    NoShow,
    Other,
}

public static class ReportReasonNames
{
    /// <summary>Every reason as sent and stored, in the order the 422 message lists them.</summary>
    public static readonly IReadOnlyList<string> All = ["harassment", "inappropriate", "spam", "no_show", "other"];

    public static string ToWire(this ReportReason reason) => reason switch
    {
        ReportReason.Harassment => "harassment",
        ReportReason.Inappropriate => "inappropriate",
        ReportReason.Spam => "spam",
        ReportReason.NoShow => "no_show",
        _ => "other",
    };

    /// <summary>Exact, case-sensitive names only (as pydantic's enum validation).</summary>
    public static bool TryParse(string? text, out ReportReason reason)
    {
        (var known, reason) = text switch
        {
            "harassment" => (true, ReportReason.Harassment),
            "inappropriate" => (true, ReportReason.Inappropriate),
            "spam" => (true, ReportReason.Spam),
            "no_show" => (true, ReportReason.NoShow),
            "other" => (true, ReportReason.Other),
            _ => (false, ReportReason.Other),
        };
        return known;
    }
}
