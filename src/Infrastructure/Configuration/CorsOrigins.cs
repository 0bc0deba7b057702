using System.Text.Json;

namespace Speaking.Infrastructure.Configuration;

/// <summary>
/// CORS_ORIGINS in both forms (D-24): a JSON array of strings when the value starts with '[', otherwise a
/// comma-separated list. Entries are trimmed, a trailing '/' dropped, empty entries skipped; '*' allows any origin.
/// </summary>
public static class CorsOrigins
{
    public static IReadOnlyList<string> Parse(string value)
    {
        var text = value.Trim();
        IEnumerable<string?> entries;
        if (text.StartsWith('['))
        {
            try
            {
                entries = JsonSerializer.Deserialize<string?[]>(text) ?? [];
            }
            catch (JsonException e)
            {
                throw new FormatException($"starts with '[' but is not a JSON list of strings ({e.Message})");
            }
        }
        else
        {
            entries = text.Split(',');
        }

        return entries
            .Select(e => (e ?? "").Trim().TrimEnd('/'))
            .Where(e => e.Length > 0)
            .Distinct(StringComparer.Ordinal)
            .ToArray();
    }
}
