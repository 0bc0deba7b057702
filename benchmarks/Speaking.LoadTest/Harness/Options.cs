using System.Globalization;

namespace Speaking.LoadTest.Harness;

/// <summary>A bad command line: the message says which argument and why.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// Positional arguments plus <c>--name value</c> / <c>--name=value</c> options and bare <c>--flag</c>s. Every value is
/// checked against its bounds, so a run is always bounded in time and count.
/// </summary>
public sealed class Options
{
    private static readonly HashSet<string> Flags = ["no-reference", "verbose", "builtin-client", "compare-nodes"];
    private readonly Dictionary<string, List<string>> _named = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    private Options(List<string> positional) => Positional = positional;

    public IReadOnlyList<string> Positional { get; }

    public static Options Parse(IEnumerable<string> args)
    {
        var positional = new List<string>();
        var options = new Options(positional);
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            var arg = e.Current;
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                positional.Add(arg);
                continue;
            }

            var name = arg[2..];
            string value;
            var eq = name.IndexOf('=');
            if (eq >= 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            else if (Flags.Contains(name))
            {
                value = "true";
            }
            else
            {
                if (!e.MoveNext()) throw new UsageException($"--{name} needs a value");
                value = e.Current;
            }

            if (!options._named.TryGetValue(name, out var list)) options._named[name] = list = [];
            list.Add(value);
        }

        return options;
    }

    public string? Get(string name)
    {
        _used.Add(name);
        return _named.TryGetValue(name, out var values) ? values[^1] : null;
    }

    public IReadOnlyList<string> GetAll(string name)
    {
        _used.Add(name);
        return _named.TryGetValue(name, out var values) ? values : [];
    }

    public bool Flag(string name) => Get(name) is { } v && v is not ("false" or "0" or "no");

    public int Int(string name, int fallback, int min, int max) => Int(Get(name), "--" + name, fallback, min, max);

    public double Double(string name, double fallback, double min, double max)
    {
        var text = Get(name);
        if (text is null) return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw new UsageException($"--{name} must be a number between {min} and {max} (got '{text}')");
        return value;
    }

    /// <summary>The positional argument at <paramref name="index"/> (after the subcommand), or the fallback.</summary>
    public int PositionalInt(int index, string what, int fallback, int min, int max) =>
        Int(index < Positional.Count ? Positional[index] : null, what, fallback, min, max);

    /// <summary>Options given but never read: most likely a typo, which would silently change what is measured.</summary>
    public void RejectUnknown()
    {
        var unknown = _named.Keys.Where(k => !_used.Contains(k)).ToArray();
        if (unknown.Length > 0) throw new UsageException("unknown option(s): " + string.Join(", ", unknown.Select(u => "--" + u)));
    }

    private static int Int(string? text, string what, int fallback, int min, int max)
    {
        if (text is null) return fallback;
        if (!int.TryParse(text.Replace("_", "").Replace(",", ""), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            || value < min || value > max)
            throw new UsageException($"{what} must be a whole number between {min} and {max} (got '{text}')");
        return value;
    }
}
