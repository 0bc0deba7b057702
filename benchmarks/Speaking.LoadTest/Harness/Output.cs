using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Speaking.LoadTest.Harness;

/// <summary>
/// Progress goes to stderr, one line at a time, stamped with the seconds since the tool started; the result is one
/// JSON line on stdout (snake_case names), the only thing the tool writes there.
/// </summary>
public static class Output
{
    private static readonly Stopwatch Clock = Stopwatch.StartNew();
    private static readonly Lock Gate = new();

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Progress(string message)
    {
        lock (Gate) Console.Error.WriteLine($"[{Clock.Elapsed.TotalSeconds,7:0.0}s] {message}");
    }

    public static void Result(object result)
    {
        lock (Gate)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(result, result.GetType(), Json));
            Console.Out.Flush();
        }
    }

    public static string Num(double value, string format = "0.0") => value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>Rounded for the JSON line: enough digits to compare, not a wall of noise.</summary>
    public static double Round(double value, int digits = 2) => double.IsFinite(value) ? Math.Round(value, digits) : value;

    public static double? Round(double? value, int digits = 2) => value is { } v ? Round(v, digits) : null;

    /// <summary>A ratio that is null when either side is missing or the denominator is zero.</summary>
    public static double? Ratio(double? measured, double? reference) =>
        measured is { } m && reference is { } r && r > 0 ? Math.Round(m / r, 3) : null;
}
