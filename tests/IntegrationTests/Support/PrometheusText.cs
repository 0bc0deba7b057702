using System.Globalization;
using System.Text;

namespace Speaking.IntegrationTests.Support;

/// <summary>One sample of the Prometheus text format: metric name, labels, value.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// A small parser of the Prometheus text exposition format (version 0.0.4): comment lines (<c># HELP</c>,
/// <c># TYPE</c>) are kept apart; every other line is <c>name{label="value",...} value [timestamp]</c>, with
/// <c>\\</c>, <c>\"</c> and <c>\n</c> escapes in label values. Throws on a line it cannot read, so a malformed
/// exposition fails the test.
/// </summary>
public sealed class PrometheusText
{
    private PrometheusText(IReadOnlyList<PrometheusSample> samples, Dictionary<string, string> types)
    {
        Samples = samples;
        Types = types;
    }

    public IReadOnlyList<PrometheusSample> Samples { get; }

    /// <summary>The declared type of each metric family (<c># TYPE name counter</c>).</summary>
    public Dictionary<string, string> Types { get; }

    public static PrometheusText Parse(string text)
    {
        var samples = new List<PrometheusSample>();
        var types = new Dictionary<string, string>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0) continue;
            if (line.StartsWith('#'))
            {
                var parts = line.Split(' ', 4, StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 4 && parts[1] == "TYPE") types[parts[2]] = parts[3];
                continue;
            }

            samples.Add(ParseSample(line));
        }

        return new PrometheusText(samples, types);
    }

    /// <summary>The samples named <paramref name="name"/> whose labels include every pair of <paramref name="labels"/>.</summary>
    public IEnumerable<PrometheusSample> Find(string name, params (string Label, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Label, out var v) && v == l.Value));

    /// <summary>The sum of the matching samples (0 when there are none: an absent series has not moved).</summary>
    public double Sum(string name, params (string Label, string Value)[] labels) => Find(name, labels).Sum(s => s.Value);

    /// <summary>The one matching sample's value; fails if the series is missing or ambiguous.</summary>
    public double Single(string name, params (string Label, string Value)[] labels)
    {
        var found = Find(name, labels).ToList();
        if (found.Count != 1)
            throw new InvalidOperationException($"{found.Count} samples of {name}{{{string.Join(',', labels.Select(l => $"{l.Label}=\"{l.Value}\""))}}}");
        return found[0].Value;
    }

    private static PrometheusSample ParseSample(string line)
    {
        var i = 0;
        while (i < line.Length && line[i] != '{' && line[i] != ' ') i++;
        var name = line[..i];
        if (name.Length == 0) throw new FormatException($"No metric name: {line}");
        var labels = new Dictionary<string, string>();
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                var equals = line.IndexOf('=', i);
                var label = line[i..equals].Trim();
                if (line[equals + 1] != '"') throw new FormatException($"Unquoted label value: {line}");
                var value = new StringBuilder();
                var j = equals + 2;
                for (; line[j] != '"'; j++)
                {
                    if (line[j] == '\\')
                    {
                        j++;
                        value.Append(line[j] switch { 'n' => '\n', var c => c });
                    }
                    else value.Append(line[j]);
                }

                labels[label] = value.ToString();
                i = j + 1;
                if (line[i] == ',') i++;
            }

            i++;
        }

        var rest = line[i..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (rest.Length is < 1 or > 2) throw new FormatException($"No value: {line}");
        var number = rest[0] switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            var v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return new PrometheusSample(name, labels, number);
    }
}
