using System.Text.Json;
using FluentValidation;
using MediatR;
using Speaking.Application.Common;
using Speaking.Domain.Common;
using Speaking.Domain.Quorra;

namespace Speaking.Application.Quorra.Settings;

public interface ISettingsRepository
{
    /// <summary>The user's settings object as JSON text, or null when none were ever saved.</summary>
    Task<string?> GetAsync(Guid userId, CancellationToken ct);

    /// <summary>
    /// Merges <paramref name="patchJson"/> (a flat object) into the user's settings, creating them if needed, unless
    /// the result would hold more than <paramref name="maxKeys"/> keys. Returns the merged object, or null when it
    /// was refused for its size (and nothing changed).
    /// </summary>
    Task<string?> MergeAsync(Guid userId, string patchJson, int maxKeys, CancellationToken ct);
}

public sealed record GetSettingsQuery(Guid UserId) : IRequest<JsonElement?>;

public sealed class GetSettingsQueryHandler(ISettingsRepository settings) : IRequestHandler<GetSettingsQuery, JsonElement?>
{
    public async Task<JsonElement?> Handle(GetSettingsQuery request, CancellationToken cancellationToken) =>
        await settings.GetAsync(request.UserId, cancellationToken) is { } json ? JsonDocument.Parse(json).RootElement : null;
}

/// <summary>
/// Upserts the caller's settings with the keys of a flat JSON object (values: strings, numbers, booleans or null);
/// keys not sent keep their values, as the original's update did. At most 64 keys, in the request and in total.
/// </summary>
public sealed record UpdateSettingsCommand(Guid UserId, IReadOnlyList<KeyValuePair<string, JsonElement>> Patch)
    : IRequest<Result<JsonElement>>;

public sealed class UpdateSettingsCommandValidator : AbstractValidator<UpdateSettingsCommand>
{
    public UpdateSettingsCommandValidator() =>
        RuleFor(x => x.Patch).Custom((patch, context) =>
        {
            if (patch.Select(p => p.Key).Distinct(StringComparer.Ordinal).Count() > SettingsRules.MaxKeys)
            {
                context.Fail("body", "too_long", $"Settings may hold at most {SettingsRules.MaxKeys} keys", null);
                return;
            }

            foreach (var (key, value) in patch)
            {
                if (key.Length == 0 || key.Length > SettingsRules.KeyMax)
                {
                    context.Fail("body", "key", $"Setting names must be 1 to {SettingsRules.KeyMax} characters", null);
                    return;
                }

                if (value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                {
                    context.Fail(key, "flat", $"{key} must be a string, number, boolean or null: settings are a flat object", null);
                    return;
                }

                if (value.ValueKind == JsonValueKind.Number && !(value.TryGetDouble(out var number) && double.IsFinite(number)))
                {
                    context.Fail(key, "number", $"{key} must be a finite number", null);
                    return;
                }

                if (value.ValueKind == JsonValueKind.String && value.GetString()!.Length > SettingsRules.StringValueMax)
                {
                    context.Fail(key, "string_too_long", $"{key} must be at most {SettingsRules.StringValueMax} characters", null);
                    return;
                }
            }
        });
}

public sealed class UpdateSettingsCommandHandler(ISettingsRepository settings) : IRequestHandler<UpdateSettingsCommand, Result<JsonElement>>
{
    public async Task<Result<JsonElement>> Handle(UpdateSettingsCommand request, CancellationToken cancellationToken)
    {
        var patch = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var (key, value) in request.Patch) patch[key] = value;
        var merged = await settings.MergeAsync(request.UserId, JsonSerializer.Serialize(patch), SettingsRules.MaxKeys, cancellationToken);
        return merged is null ? QuorraErrors.TooManySettings : JsonDocument.Parse(merged).RootElement;
    }
}
