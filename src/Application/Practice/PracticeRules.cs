using FluentValidation;
using Speaking.Application.Common;
using Speaking.Domain.Common;
using Speaking.Domain.Practice;

namespace Speaking.Application.Practice;

/// <summary>Validation rules of the practice endpoints, in the contract's 422 vocabulary.</summary>
internal static class PracticeRules
{
    /// <summary>
    /// A criterion score within 1–9 must also be a whole or half band (pydantic's <c>multiple_of</c>). Pair it with
    /// <see cref="Rules.Band{T}"/>, which reports missing, null, wrong-type and out-of-range values.
    /// </summary>
    public static IRuleBuilderOptionsConditions<T, Input<double>> HalfBandStep<T>(this IRuleBuilder<T, Input<double>> rule, string loc) =>
        rule.Custom((input, context) =>
        {
            if (input.IsPresent && IeltsBand.IsValid(input.Value) && !HalfBand.IsValidScore(input.Value))
                context.Fail(loc, "multiple_of", "Input should be a multiple of 0.5", input.Value,
                    new Dictionary<string, object?> { ["multiple_of"] = 0.5 });
        });
}
