using System.Text.Json;
using FluentValidation;
using FluentValidation.Results;

namespace Speaking.Application.Common;

/// <summary>One item of a 422 response: the contract's pydantic-style error.</summary>
public sealed record ValidationProblem(string Type, IReadOnlyList<object> Loc, string Msg, object? Input,
    IReadOnlyDictionary<string, object?>? Ctx);

public sealed class RequestValidationException(IReadOnlyList<ValidationProblem> problems)
    : Exception("The request is not valid.")
{
    public IReadOnlyList<ValidationProblem> Problems { get; } = problems;
}

/// <summary>
/// Reusable rules that speak the contract's 422 vocabulary (types and messages of section 2.2).
/// The location is written as "body.email" / "path.user_id" / "query.q" and split by the validation behaviour.
/// </summary>
public static class Rules
{
    public static void Fail<T>(this ValidationContext<T> context, string loc, string type, string msg, object? input,
        IReadOnlyDictionary<string, object?>? ctx = null) =>
        context.AddFailure(new ValidationFailure(loc, msg, input) { ErrorCode = type, CustomState = ctx });

    public static IRuleBuilderOptionsConditions<T, BodyShape> RequiredBody<T>(this IRuleBuilder<T, BodyShape> rule) =>
        rule.Custom((shape, context) =>
        {
            if (shape == BodyShape.Missing) context.Fail("body", "missing", "Field required", null);
            else if (shape == BodyShape.NotAnObject)
                context.Fail("body", "model_attributes_type", "Input should be a valid dictionary or object to extract fields from", null);
        });

    public const string NulRefused = "String should not contain NUL characters";

    /// <summary>
    /// A string field of <paramref name="minLength"/>–<paramref name="maxLength"/> characters. Every text field goes
    /// through this rule, so none of them can carry a NUL character.
    /// </summary>
    public static IRuleBuilderOptionsConditions<T, Input<string>> Text<T>(this IRuleBuilder<T, Input<string>> rule, string loc,
        int minLength, int maxLength, bool required = true) =>
        rule.Custom((input, context) =>
        {
            switch (input.State)
            {
                case InputState.Missing when required:
                    context.Fail(loc, "missing", "Field required", null);
                    return;
                case InputState.Missing:
                    return;
                case InputState.Null:
                case InputState.Invalid:
                    context.Fail(loc, "string_type", "Input should be a valid string", input.Raw);
                    return;
            }

            if (input.Value!.Contains('\0'))
            {
                // PostgreSQL refuses U+0000 in text (22021), so no text field may carry it to the database.
                context.Fail(loc, "value_error", "Value error, " + NulRefused, input.Value,
                    new Dictionary<string, object?> { ["error"] = NulRefused });
                return;
            }

            var length = input.Value.Length;
            if (length < minLength)
                context.Fail(loc, "string_too_short", $"String should have at least {minLength} character{(minLength == 1 ? "" : "s")}",
                    input.Value, new Dictionary<string, object?> { ["min_length"] = minLength });
            else if (length > maxLength)
                context.Fail(loc, "string_too_long", $"String should have at most {maxLength} character{(maxLength == 1 ? "" : "s")}",
                    input.Value, new Dictionary<string, object?> { ["max_length"] = maxLength });
        });

    /// <summary>A band score 1.0–9.0. An explicit null is always rejected (D-21).</summary>
    public static IRuleBuilderOptionsConditions<T, Input<double>> Band<T>(this IRuleBuilder<T, Input<double>> rule, string loc,
        bool required = false) =>
        rule.Custom((input, context) =>
        {
            switch (input.State)
            {
                case InputState.Missing:
                    if (required) context.Fail(loc, "missing", "Field required", null);
                    return;
                case InputState.Null:
                    context.Fail(loc, "float_type", "Input should be a valid number", null);
                    return;
                case InputState.Invalid:
                    if (input.Raw is string)
                        context.Fail(loc, "float_parsing", "Input should be a valid number, unable to parse string as a number", input.Raw);
                    else if (input.Raw is JsonElement { ValueKind: JsonValueKind.Number })
                        context.Fail(loc, "finite_number", "Input should be a finite number", input.Raw); // e.g. 1e400
                    else
                        context.Fail(loc, "float_type", "Input should be a valid number", input.Raw);
                    return;
            }

            var value = input.Value;
            if (double.IsNaN(value) || value < 1.0)
                context.Fail(loc, "greater_than_equal", "Input should be greater than or equal to 1", value,
                    new Dictionary<string, object?> { ["ge"] = 1.0 });
            else if (value > 9.0)
                context.Fail(loc, "less_than_equal", "Input should be less than or equal to 9", value,
                    new Dictionary<string, object?> { ["le"] = 9.0 });
        });

    public static IRuleBuilderOptionsConditions<T, Input<Guid>> Uuid<T>(this IRuleBuilder<T, Input<Guid>> rule, string loc) =>
        rule.Custom((input, context) =>
        {
            switch (input.State)
            {
                case InputState.Missing:
                    context.Fail(loc, "missing", "Field required", null);
                    return;
                case InputState.Null:
                    context.Fail(loc, "uuid_type", "UUID input should be a string, bytes or UUID object", null);
                    return;
                case InputState.Invalid:
                    if (input.Raw is string text)
                    {
                        var reason = UuidReason(text);
                        context.Fail(loc, "uuid_parsing", $"Input should be a valid UUID, {reason}", text,
                            new Dictionary<string, object?> { ["error"] = reason });
                    }
                    else
                    {
                        context.Fail(loc, "uuid_type", "UUID input should be a string, bytes or UUID object", input.Raw);
                    }

                    return;
            }
        });

    public static IRuleBuilderOptionsConditions<T, Input<int>> NonNegativeInteger<T>(this IRuleBuilder<T, Input<int>> rule, string loc) =>
        rule.Custom((input, context) =>
        {
            if (input.State is InputState.Invalid or InputState.Null)
                context.Fail(loc, "int_parsing", "Input should be a valid integer, unable to parse string as an integer", input.Raw);
            else if (input.IsPresent && input.Value < 0)
                context.Fail(loc, "greater_than_equal", "Input should be greater than or equal to 0", input.Value,
                    new Dictionary<string, object?> { ["ge"] = 0 });
        });

    public static IRuleBuilderOptionsConditions<T, Input<bool>> Boolean<T>(this IRuleBuilder<T, Input<bool>> rule, string loc) =>
        rule.Custom((input, context) =>
        {
            if (input.State is InputState.Invalid or InputState.Null)
                context.Fail(loc, "bool_parsing", "Input should be a valid boolean, unable to interpret input", input.Raw);
        });

    private static string UuidReason(string text)
    {
        var hex = text.Replace("-", "");
        var bad = hex.FirstOrDefault(c => !Uri.IsHexDigit(c));
        if (bad != default) return $"invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `{bad}` at {text.IndexOf(bad) + 1}";
        return $"invalid length: expected length 32 for simple format, found {hex.Length}";
    }
}
