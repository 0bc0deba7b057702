using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Speaking.Application.Common;

namespace Speaking.Api.Http;

/// <summary>
/// Endpoint metadata: this endpoint reads a JSON body (so a syntax error is reported before authentication) of at most
/// <see cref="MaxBytes"/>. The routing middleware hands the size to Kestrel's own limit for this request; a larger body
/// is answered 413 (see <see cref="ErrorHandling"/>).
/// </summary>
public sealed class ReadsJsonBody : IRequestSizeLimitMetadata
{
    /// <summary>16 KiB: the largest body of the contract (registration with 100-character fields, every character escaped) is under 3 KiB.</summary>
    public const long MaxBytes = 16 * 1024;

    public long? MaxRequestBodySize => MaxBytes;
}

/// <summary>Endpoint metadata: this endpoint reads a small form body (the login) of at most <see cref="ReadsJsonBody.MaxBytes"/>.</summary>
public sealed class ReadsFormBody : IRequestSizeLimitMetadata
{
    public long? MaxRequestBodySize => ReadsJsonBody.MaxBytes;
}

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

        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        var reader = new Utf8JsonReader(bytes);
        JsonElement root;
        try
        {
            root = JsonElement.ParseValue(ref reader);
            reader.Read(); // anything but whitespace after the value is a syntax error too
        }
        catch (JsonException e)
        {
            return JsonInvalid(e.BytePositionInLine ?? 0, e.Message.Split(" Path:")[0]);
        }

        // The parser accepts lone surrogate escapes and invalid UTF-8 inside strings; reading such a string later would
        // throw, so they are refused here, as a JSON decoding error, before any field is read. (NUL is valid JSON text
        // and is refused per field by the validation rules.)
        var (problem, offset) = JsonText.Check(bytes);
        if (problem == JsonTextProblem.NotUnicode)
            return JsonInvalid(offset, "a string is not valid Unicode (lone surrogate or invalid UTF-8)");

        context.Items[Key] = new JsonBody(root.ValueKind == JsonValueKind.Object ? BodyShape.Object : BodyShape.NotAnObject, root);
        return null;
    }

    private static ValidationProblem JsonInvalid(long position, string error) =>
        new("json_invalid", ["body", (int)position], "JSON decode error", new Dictionary<string, object?>(),
            new Dictionary<string, object?> { ["error"] = error });

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
        { ValueKind: JsonValueKind.Number } n when n.TryGetDouble(out var v) && double.IsFinite(v) => Input<double>.Of(v),
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

    /// <summary>The value as sent, for the 422 item's <c>input</c>. A number beyond double's range (1e400) stays a JSON number.</summary>
    private static object? Raw(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number when element.TryGetDouble(out var number) && double.IsFinite(number) => number,
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
