using FluentValidation;
using Speaking.Application.Common;

namespace Speaking.Application.Quorra.Common;

/// <summary>
/// Validation rules for Quorra's bodies. Each failure message is a whole sentence that names the field, because
/// Quorra answers only the first problem, as <c>{"error": "..."}</c> with status 400.
/// An explicit null counts as "not sent" for optional fields and as missing for required ones.
/// </summary>
public static class QuorraRules
{
    public static IRuleBuilderOptionsConditions<T, Input<string>> Text<T>(this IRuleBuilder<T, Input<string>> rule, string name,
        int max, bool required = true, int min = 1) =>
        rule.Custom((input, context) =>
        {
            switch (input.State)
            {
                case InputState.Missing or InputState.Null:
                    if (required) context.Fail(name, "missing", $"{name} is required", null);
                    return;
                case InputState.Invalid:
                    context.Fail(name, "string_type", $"{name} must be a string", input.Raw);
                    return;
            }

            if (required && string.IsNullOrWhiteSpace(input.Value))
                context.Fail(name, "string_too_short", $"{name} must not be empty", input.Value);
            else if (input.Value!.Length < min)
                context.Fail(name, "string_too_short", $"{name} must be at least {min} characters", null);
            else if (input.Value!.Length > max)
                context.Fail(name, "string_too_long", $"{name} must be at most {max} characters", null);
        });

    public static IRuleBuilderOptionsConditions<T, Input<string>> OneOf<T>(this IRuleBuilder<T, Input<string>> rule, string name,
        IReadOnlyList<string> allowed, bool required = true) =>
        rule.Custom((input, context) =>
        {
            if (input.State is InputState.Missing or InputState.Null)
            {
                if (required) context.Fail(name, "missing", $"{name} is required", null);
                return;
            }

            if (!input.IsPresent || !allowed.Contains(input.Value!, StringComparer.Ordinal))
                context.Fail(name, "enum", $"{name} must be one of: {string.Join(", ", allowed)}", input.Raw);
        });

    public static IRuleBuilderOptionsConditions<T, Input<IReadOnlyList<string>>> Tags<T>(this IRuleBuilder<T, Input<IReadOnlyList<string>>> rule,
        string name, int maxCount, int maxLength) =>
        rule.Custom((input, context) =>
        {
            if (input.State == InputState.Invalid)
                context.Fail(name, "list_type", $"{name} must be an array of strings", null);
            else if (input.IsPresent && input.Value!.Count > maxCount)
                context.Fail(name, "too_long", $"{name} may hold at most {maxCount} items", null);
            else if (input.IsPresent && input.Value!.Any(t => t.Length > maxLength))
                context.Fail(name, "string_too_long", $"each of {name} must be at most {maxLength} characters", null);
        });

    public static IRuleBuilderOptionsConditions<T, Input<double>> Number<T>(this IRuleBuilder<T, Input<double>> rule, string name,
        double min, double max, bool required = false, bool whole = false) =>
        rule.Custom((input, context) =>
        {
            switch (input.State)
            {
                case InputState.Missing or InputState.Null:
                    if (required) context.Fail(name, "missing", $"{name} is required", null);
                    return;
                case InputState.Invalid:
                    context.Fail(name, "float_type", $"{name} must be a number", input.Raw);
                    return;
            }

            var value = input.Value;
            if (!double.IsFinite(value) || value < min || value > max || (whole && value != Math.Floor(value)))
                context.Fail(name, "range", $"{name} must be a {(whole ? "whole number" : "number")} from {min} to {max}", value);
        });

    public static IRuleBuilderOptionsConditions<T, Input<bool>> Flag<T>(this IRuleBuilder<T, Input<bool>> rule, string name) =>
        rule.Custom((input, context) =>
        {
            if (input.State is InputState.Missing or InputState.Null) context.Fail(name, "missing", $"{name} is required", null);
            else if (!input.IsPresent) context.Fail(name, "bool_type", $"{name} must be true or false", input.Raw);
        });

    public static IRuleBuilderOptionsConditions<T, Input<DateTime>> Time<T>(this IRuleBuilder<T, Input<DateTime>> rule, string name) =>
        rule.Custom((input, context) =>
        {
            if (input.State == InputState.Invalid)
                context.Fail(name, "datetime_parsing", $"{name} must be an ISO 8601 date-time (or milliseconds since 1970)", input.Raw);
        });
}
