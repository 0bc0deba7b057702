using System.Globalization;
using System.Text;
using CsCheck;

namespace Speaking.IntegrationTests.Support;

/// <summary>
/// Generators of hostile input for the REST and WebSocket fuzz tests (CsCheck), and the deterministic way cases are
/// drawn: a fixed master seed (CI), <c>FUZZ_ITERATIONS</c> cases per test, one seed per case so a failure names the
/// seed that reproduces it (<c>FUZZ_CASE_SEED=&lt;seed&gt;</c> runs that case alone; <c>FUZZ_SEED</c> changes the master).
/// JSON is generated as source text, so it can hold what no serializer writes: lone surrogate escapes, NUL escapes,
/// numbers beyond double's range, repeated keys, deep nesting; invalid UTF-8 is spliced into the encoded bytes.
/// </summary>
public static class Fuzz
{
    public const string DefaultSeed = "0N0XIzNsQ0O2";

    /// <summary>Placeholders that the fuzz tests replace with live ids before sending.</summary>
    public const string Self = "{SELF}", Other = "{OTHER}", SessionId = "{SESSION}";

    public static int Iterations(int ciDefault) =>
        int.TryParse(Environment.GetEnvironmentVariable("FUZZ_ITERATIONS"), out var n) && n > 0 ? n : ciDefault;

    /// <summary>The cases to run: (seed of the case, case).</summary>
    public static IEnumerable<(string Seed, T Case)> Cases<T>(Gen<T> gen, int ciDefault)
    {
        var single = Environment.GetEnvironmentVariable("FUZZ_CASE_SEED");
        var seeds = string.IsNullOrEmpty(single)
            ? Gen.Seed.Array[Iterations(ciDefault)].Single(_ => true, Environment.GetEnvironmentVariable("FUZZ_SEED") is { Length: > 0 } s ? s : DefaultSeed)
            : [single];
        foreach (var seed in seeds) yield return (seed, gen.Single(_ => true, seed));
    }

    // Strings (as JSON source, quotes included).

    private static readonly string[] Pieces =
    [
        "a", "Z", "7", " ", "é", "Ж", "😀", "\\u0000", "\\ud800", "\\udfff", "\\udbff\\udbff", "\\ud83d\\ude00", "\\\"", "\\\\", "\\/",
        "\\n", "\\t", "\\u001f", "\\u2028", "\\ufeff", "%", "_", "%00", "%FF", "<script>", "'", "--", "{", "]",
    ];

    private static readonly string[] SpecialStrings =
    [
        "", "Ann", "ann@example.com", "secret123", "roulette", "level_filter", "6.5", "1e400", "-1e400", "NaN", "Infinity", "true", "null",
        "0", "-1", "99999999999999999999", "00000000-0000-0000-0000-000000000000", "3F2A9C0D-1B4E-4A5B-8C7D-0123456789AB",
        "3f2a9c0d1b4e4a5b8c7d0123456789ab", "urn:uuid:3f2a9c0d-1b4e-4a5b-8c7d-0123456789ab", "not-a-uuid", Self, Other, SessionId,
        $" {Self} ", Self.ToUpperInvariant(),
    ];

    public static readonly Gen<string> Text = Gen.Frequency<string>(
        (4, Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789 @._-"].Array[0, 16].Select(c => new string(c))),
        (4, Gen.OneOf(SpecialStrings)),
        (5, Gen.OneOf(Pieces).Array[1, 8].Select(p => string.Concat(p))),
        (1, Gen.Int[200, 3_000].Select(n => new string('x', n))),
        (1, Gen.Int[17_000, 40_000].Select(n => new string('y', n))));

    public static readonly Gen<string> StringToken = Text.Select(t => "\"" + t + "\"");

    public static readonly Gen<string> NumberToken = Gen.Frequency<string>(
        (3, Gen.Int.Select(i => i.ToString(CultureInfo.InvariantCulture))),
        (3, Gen.Double[-20, 20].Select(d => d.ToString("R", CultureInfo.InvariantCulture))),
        (4, Gen.OneOf("1e400", "-1e400", "1e-400", "1E+309", "-0", "0.0", "6.5", "9.0", "1.0", "9.5", "0.5", "1e308", "-1.7976931348623157e308",
            "4.9e-324", "123456789012345678901234567890", new string('9', 400), "1" + new string('0', 400) + ".5")),
        (1, Gen.OneOf("NaN", "Infinity", "-Infinity", "01", "0x10", "+1", "1.", ".5", "1e", "--1")));

    private static readonly Gen<string> Scalar = Gen.Frequency<string>(
        (5, StringToken),
        (4, NumberToken),
        (2, Gen.OneOf("true", "false", "null")));

    private static Gen<string> Value(string[] names) => Gen.Recursive<string>((depth, value) => depth >= 3
        ? Scalar
        : Gen.Frequency<string>(
            (8, Scalar),
            (1, value.Array[0, 4].Select(items => "[" + string.Join(",", items) + "]")),
            (1, Object(names, value))));

    private static Gen<string> Key(string[] names) => names.Length == 0
        ? StringToken
        : Gen.Frequency<string>((4, Gen.OneOf(names).Select(n => "\"" + n + "\"")), (1, StringToken));

    /// <summary>An object whose keys are mostly <paramref name="names"/> (repeats included) with hostile values.</summary>
    public static Gen<string> Object(string[] names, Gen<string>? value = null) =>
        Gen.Select(Key(names), value ?? Value(names), (k, v) => k + ":" + v).Array[0, 6]
            .Select(members => "{" + string.Join(",", members) + "}");

    /// <summary>Nesting far beyond the parser's limit of 64.</summary>
    public static readonly Gen<string> DeepNesting = Gen.Select(Gen.Int[40, 400], Gen.Bool,
        (n, arrays) => arrays ? new string('[', n) + "1" + new string(']', n) : string.Concat(Enumerable.Repeat("{\"a\":", n)) + "1" + new string('}', n));

    // Byte-level damage.

    private static readonly byte[][] InvalidUtf8 = [[0xFF], [0xFE, 0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xF8, 0x88, 0x80, 0x80, 0x80], [0x80]];

    /// <summary>The text's bytes, sometimes truncated, with invalid UTF-8 spliced in, or a byte overwritten.</summary>
    public static Gen<byte[]> Damaged(Gen<string> text) => Gen.Select(text, Gen.Int[0, 3], Gen.Double[0, 1], Gen.OneOf(InvalidUtf8), Gen.Byte,
        (t, how, at, bad, b) =>
        {
            var bytes = Encoding.UTF8.GetBytes(t);
            var i = (int)(at * bytes.Length);
            return how switch
            {
                0 => bytes[..i],
                1 => [.. bytes[..i], .. bad, .. bytes[i..]],
                2 when bytes.Length > 0 => bytes.Select((x, j) => j == Math.Min(i, bytes.Length - 1) ? b : x).ToArray(),
                _ => bytes,
            };
        });

    /// <summary>A JSON body for an endpoint that reads <paramref name="fields"/>: mostly objects, sometimes anything else.</summary>
    public static Gen<byte[]> JsonBody(string[] fields) => Gen.Frequency<byte[]>(
        (10, Object(fields).Select(Encoding.UTF8.GetBytes)),
        (3, Damaged(Object(fields))),
        (2, Value(fields).Select(Encoding.UTF8.GetBytes)),
        (1, DeepNesting.Select(Encoding.UTF8.GetBytes)),
        (1, Gen.Const(Array.Empty<byte>())),
        (1, Gen.Byte.Array[1, 64]));

    // Forms, queries and paths.

    private static readonly Gen<string> FormText = Gen.Frequency<string>(
        (4, Text.Select(Uri.EscapeDataString).Select(s => Cut(s, 3000))),
        (3, Gen.OneOf("", "%00", "a%00b", "%FF%FE", "%ED%A0%80", "%C0%80", "%", "%zz", "%u0041", "+", "a+b", "%2B", "ann%40example.com", "secret123", "password")));

    /// <summary>A form body for <paramref name="fields"/>: key=value pairs, repeated keys, broken escapes, or a broken multipart.</summary>
    public static Gen<(byte[] Body, string? ContentType)> FormBody(string[] fields) => Gen.Frequency<(byte[], string?)>(
        (8, Gen.Select(Gen.Frequency<string>((4, Gen.OneOf(fields)), (1, FormText)), FormText, (k, v) => k + "=" + v).Array[0, 8]
            .Select(pairs => ((byte[], string?))(Encoding.UTF8.GetBytes(string.Join("&", pairs)), "application/x-www-form-urlencoded"))),
        (2, Gen.Select(Gen.OneOf(fields), Text, Gen.OneOf("XYZ", "", "a b", new string('b', 90)), Gen.Bool,
            (name, value, boundary, complete) => ((byte[], string?))(Encoding.UTF8.GetBytes(
                $"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n" + (complete ? $"--{boundary}--\r\n" : "")),
                "multipart/form-data; boundary=" + boundary))),
        (1, Gen.Select(Damaged(FormText), Gen.OneOf("application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=bogus",
            "multipart/form-data", "application/json", "text/plain"), (b, ct) => ((byte[], string?))(b, ct))),
        (1, JsonBody(fields).Select(b => ((byte[], string?))(b, "application/json"))));

    /// <summary>
    /// A query string (with the leading <c>?</c>, or empty) over <paramref name="names"/>. Kept under 5,000 characters:
    /// a request line over Kestrel's 8 KiB is refused by Kestrel itself, before the service (see the README's limits).
    /// </summary>
    public static Gen<string> Query(string[] names) =>
        Gen.Select(Gen.Frequency<string>((4, Gen.OneOf(names.Length == 0 ? ["x"] : names)), (1, FormText.Select(s => Cut(s, 200)))),
                Gen.Frequency<string>((3, FormText.Select(s => Cut(s, 1000))), (2, NumberToken.Select(Uri.EscapeDataString))),
                (k, v) => k + "=" + v)
            .Array[0, 4].Select(pairs => pairs.Length == 0 ? "" : "?" + string.Join("&", pairs));

    /// <summary>
    /// A path segment where an id belongs. Never a NUL (<c>%00</c>): Kestrel refuses a path holding one with its own
    /// bare 400 before the service sees the request (see the README's limits).
    /// </summary>
    public static readonly Gen<string> PathId = Gen.Frequency<string>(
        (3, Gen.OneOf(Self, Other, "00000000-0000-0000-0000-000000000000", "urn:uuid:3f2a9c0d-1b4e-4a5b-8c7d-0123456789ab")),
        (2, Gen.Guid.Select(g => g.ToString())),
        (4, Text.Select(t => Cut(Uri.EscapeDataString(t), 2000)).Where(t => t.Length > 0)),
        (1, Gen.OneOf("%FF", "%ED%A0%80", "%C0%80", "%2F", "..", "%2e%2e", "online", "%", "%zz")));

    /// <summary>At most <paramref name="max"/> characters, without leaving half a %XX escape at the end.</summary>
    private static string Cut(string escaped, int max)
    {
        if (escaped.Length <= max) return escaped;
        var cut = escaped[..max];
        var percent = cut.LastIndexOf('%');
        return percent >= 0 && percent >= cut.Length - 2 ? cut[..percent] : cut;
    }

    /// <summary>Bytes as readable text for failure messages (non-printable bytes as \xNN, long bodies cut).</summary>
    public static string Show(byte[]? bytes)
    {
        if (bytes is null) return "(no body)";
        var builder = new StringBuilder();
        foreach (var b in bytes.Take(400)) builder.Append(b is >= 0x20 and < 0x7F ? ((char)b).ToString() : $"\\x{b:X2}");
        if (bytes.Length > 400) builder.Append($"… ({bytes.Length} bytes)");
        return builder.ToString();
    }
}
