using System.Globalization;
using System.Text.Json;
using Speaking.Application.Common;

namespace Speaking.Api.Quorra;

/// <summary>
/// A Quorra request's JSON body, read after authentication. A missing body counts as <c>{}</c> (so the answer names
/// the first missing field); anything that is not a JSON object, is larger than 1 MiB, or holds text PostgreSQL
/// cannot store (NUL, lone surrogates) is refused with a clear 400 or 413. Fields are read into <see cref="Input{T}"/>
/// without judging them: the validators do that.
/// </summary>
public sealed class QuorraBody
{
    public const int MaxBytes = 1024 * 1024;
    private readonly JsonElement _root;

    private QuorraBody(JsonElement root) => _root = root;

    public static async Task<QuorraBody> ReadAsync(HttpContext context)
    {
        if (context.Request.ContentLength > MaxBytes) throw TooLarge();
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxBytes) throw TooLarge();
            buffer.Write(chunk, 0, read);
        }

        if (buffer.GetBuffer().AsSpan(0, (int)buffer.Length).IndexOfAnyExcept(" \t\r\n"u8) < 0)
            return new QuorraBody(JsonDocument.Parse("{}").RootElement);

        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
            root = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw Invalid("The request body is not valid JSON");
        }

        if (root.ValueKind != JsonValueKind.Object) throw Invalid("The request body must be a JSON object");
        if (!IsStorable(root)) throw Invalid("Text in the request must be valid Unicode without NUL characters");
        return new QuorraBody(root);
    }

    public IReadOnlyList<KeyValuePair<string, JsonElement>> Properties =>
        _root.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, p.Value.Clone())).ToArray();

    public Input<string> String(string name) => Field(name) switch
    {
        null => Input<string>.Missing,
        { ValueKind: JsonValueKind.Null } => Input<string>.Null,
        { ValueKind: JsonValueKind.String } s => Input<string>.Of(s.GetString()!),
        { } other => Input<string>.Invalid(Raw(other)),
    };

    public Input<IReadOnlyList<string>> Strings(string name) => Field(name) switch
    {
        null => Input<IReadOnlyList<string>>.Missing,
        { ValueKind: JsonValueKind.Null } => Input<IReadOnlyList<string>>.Null,
        { ValueKind: JsonValueKind.Array } a when a.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) =>
            Input<IReadOnlyList<string>>.Of(a.EnumerateArray().Select(e => e.GetString()!).ToArray()),
        { } other => Input<IReadOnlyList<string>>.Invalid(Raw(other)),
    };

    public Input<double> Number(string name) => Field(name) switch
    {
        null => Input<double>.Missing,
        { ValueKind: JsonValueKind.Null } => Input<double>.Null,
        { ValueKind: JsonValueKind.Number } n when n.TryGetDouble(out var v) && double.IsFinite(v) => Input<double>.Of(v),
        { } other => Input<double>.Invalid(Raw(other)),
    };

    public Input<bool> Boolean(string name) => Field(name) switch
    {
        null => Input<bool>.Missing,
        { ValueKind: JsonValueKind.Null } => Input<bool>.Null,
        { ValueKind: JsonValueKind.True } => Input<bool>.Of(true),
        { ValueKind: JsonValueKind.False } => Input<bool>.Of(false),
        { } other => Input<bool>.Invalid(Raw(other)),
    };

    /// <summary>An ISO 8601 date-time (without an offset it is UTC) or JavaScript milliseconds since 1970.</summary>
    public Input<DateTime> Time(string name) => Field(name) switch
    {
        null => Input<DateTime>.Missing,
        { ValueKind: JsonValueKind.Null } => Input<DateTime>.Null,
        { ValueKind: JsonValueKind.String } s when ParseTime(s.GetString()!) is { } t => Input<DateTime>.Of(t),
        { ValueKind: JsonValueKind.Number } n when n.TryGetInt64(out var ms) && ms is >= -62_135_596_800_000 and <= 253_402_300_799_000 =>
            Input<DateTime>.Of(DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime),
        { } other => Input<DateTime>.Invalid(Raw(other)),
    };

    public static DateTime? ParseTime(string text)
    {
        if (text.Length is < 10 or > 64) return null;
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var at)
            ? TruncateToMicroseconds(at.UtcDateTime)
            : null;
    }

    /// <summary>PostgreSQL keeps microseconds: what is answered now is what a later read returns.</summary>
    public static DateTime TruncateToMicroseconds(DateTime value) => new(value.Ticks - value.Ticks % 10, DateTimeKind.Utc);

    /// <summary>Every string (and property name) can be stored in PostgreSQL text and jsonb: no NUL, no lone surrogate.</summary>
    public static bool IsStorable(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return IsStorableString(element);
            case JsonValueKind.Array:
                return element.EnumerateArray().All(IsStorable);
            case JsonValueKind.Object:
                return element.EnumerateObject().All(p => IsStorableText(p.Name) && IsStorable(p.Value));
            default:
                return true;
        }

        static bool IsStorableString(JsonElement s)
        {
            try
            {
                return IsStorableText(s.GetString()!);
            }
            catch (InvalidOperationException)
            {
                return false;
            }
        }
    }

    public static bool IsStorableText(string text)
    {
        if (text.Contains('\0')) return false;
        for (var i = 0; i < text.Length; i++)
        {
            if (!char.IsSurrogate(text[i])) continue;
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else return false;
        }

        return true;
    }

    private JsonElement? Field(string name) => _root.TryGetProperty(name, out var value) ? value : null;

    private static object? Raw(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.GetRawText(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    private static BadHttpRequestException TooLarge() => new("Request body too large", StatusCodes.Status413PayloadTooLarge);

    private static RequestValidationException Invalid(string message) =>
        new([new ValidationProblem("body", ["body"], message, null, null)]);
}
