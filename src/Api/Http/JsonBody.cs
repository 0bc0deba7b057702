using System.Globalization;
using System.Text.Json;
using Speaking.Application.Common;

namespace Speaking.Api.Http;

/// <summary>Endpoint metadata: this endpoint reads a JSON body (so a syntax error is reported before authentication).</summary>
public sealed class ReadsJsonBody;

/// <summary>
/// The request body as the client sent it. Reads fields into <see cref="Input{T}"/> without judging them:
/// whether a field may be missing, null or of another type is for the validators to say.
/// </summary>
public sealed class JsonBody
{
    private static readonly object Key = new();
    private readonly JsonElement _root;

    private JsonBody(BodyShape shape, JsonElement root)
    {
        Shape = shape;
        _root = root;
    }

    public BodyShape Shape { get; }

    public static JsonBody Missing { get; } = new(BodyShape.Missing, default);

    public static JsonBody Of(HttpContext context) => context.Items.TryGetValue(Key, out var body) ? (JsonBody)body! : Missing;

    /// <summary>
    /// Reads and parses the body of an endpoint marked <see cref="ReadsJsonBody"/>. Returns the json_invalid problem
    /// when the bytes are not JSON.
    /// </summary>
    public static async Task<ValidationProblem?> ReadAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        if (buffer.Length == 0)
        {
            context.Items[Key] = Missing;
            return null;
        }

        var reader = new Utf8JsonReader(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        try
        {
            var root = JsonElement.ParseValue(ref reader);
            context.Items[Key] = new JsonBody(root.ValueKind == JsonValueKind.Object ? BodyShape.Object : BodyShape.NotAnObject, root);
            return null;
        }
        catch (JsonException e)
        {
            var position = (int)(e.BytePositionInLine ?? 0);
            return new ValidationProblem("json_invalid", ["body", position], "JSON decode error", new Dictionary<string, object?>(),
                new Dictionary<string, object?> { ["error"] = e.Message.Split(" Path:")[0] });
        }
    }

    private JsonElement? Field(string name) =>
        Shape == BodyShape.Object && _root.TryGetProperty(name, out var value) ? value : null;

    public Input<string> String(string name) => Field(name) switch
    {
        null => Input<string>.Missing,
        { ValueKind: JsonValueKind.Null } => Input<string>.Null,
        { ValueKind: JsonValueKind.String } s => Input<string>.Of(s.GetString()!),
        { } other => Input<string>.Invalid(Raw(other)),
    };

    /// <summary>A number; JSON integers and numeric strings ("6.5") are accepted, as the original did.</summary>
    public Input<double> Number(string name) => Field(name) switch
    {
        null => Input<double>.Missing,
        { ValueKind: JsonValueKind.Null } => Input<double>.Null,
        { ValueKind: JsonValueKind.Number } n => Input<double>.Of(n.GetDouble()),
        { ValueKind: JsonValueKind.String } s when double.TryParse(s.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            && double.IsFinite(v) => Input<double>.Of(v),
        { } other => Input<double>.Invalid(Raw(other)),
    };

    public Input<Guid> Uuid(string name) => Field(name) switch
    {
        null => Input<Guid>.Missing,
        { ValueKind: JsonValueKind.Null } => Input<Guid>.Null,
        { ValueKind: JsonValueKind.String } s => Parsing.Uuid(s.GetString()!),
        { } other => Input<Guid>.Invalid(Raw(other)),
    };

    private static object? Raw(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => element.Clone(),
    };
}

/// <summary>Path and query values as <see cref="Input{T}"/>.</summary>
public static class Parsing
{
    public static Input<Guid> Uuid(string? text)
    {
        if (text is null) return Input<Guid>.Missing;
        var value = text.StartsWith("urn:uuid:", StringComparison.OrdinalIgnoreCase) ? text[9..] : text;
        return Guid.TryParseExact(value, "D", out var id) || Guid.TryParseExact(value, "N", out id) || Guid.TryParseExact(value, "B", out id)
            ? Input<Guid>.Of(id)
            : Input<Guid>.Invalid(text);
    }

    public static Input<int> Integer(string? text)
    {
        if (text is null) return Input<int>.Missing;
        return int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? Input<int>.Of(value)
            : Input<int>.Invalid(text);
    }

    public static Input<bool> Boolean(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null => Input<bool>.Missing,
        "true" or "1" or "yes" or "on" or "t" or "y" => Input<bool>.Of(true),
        "false" or "0" or "no" or "off" or "f" or "n" => Input<bool>.Of(false),
        _ => Input<bool>.Invalid(text),
    };

    public static Input<string> Text(string? text) => text is null ? Input<string>.Missing : Input<string>.Of(text);
}
