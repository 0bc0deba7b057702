namespace Speaking.LoadTest.Commands;

/// <summary>One row of the targets, as measured in this run.</summary>
/// <param name="Measured">The figure the target is about (a ratio, milliseconds, bytes, seconds).</param>
/// <param name="Limit">The target's bound, in the same unit.</param>
/// <param name="Met">Null when the row could not be measured in this run.</param>
public sealed record Target(string Name, double? Measured, string Unit, string Rule, double Limit, bool? Met, string? Note = null)
{
    public static Target AtLeast(string name, double? measured, string unit, double limit, string? note = null) =>
        new(name, measured, unit, ">=", limit, measured is { } m ? m >= limit : null, note);

    public static Target AtMost(string name, double? measured, string unit, double limit, string? note = null) =>
        new(name, measured, unit, "<=", limit, measured is { } m ? m <= limit : null, note);

    public string Verdict => Met switch { true => "met", false => "not met", null => "not measured" };
}

/// <summary>
/// The JSON line every command ends with. <see cref="Ok"/> says the run itself worked and its counts are right
/// (everyone matched, every message delivered…); whether the speed targets were met is in <see cref="Targets"/>.
/// </summary>
public sealed record CommandResult(
    string Command,
    bool Ok,
    string? Error,
    object Parameters,
    object Machine,
    object Results,
    IReadOnlyList<Target> Targets,
    IReadOnlyList<string> Problems);
