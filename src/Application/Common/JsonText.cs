using System.Text;
using System.Text.Json;

namespace Speaking.Application.Common;

public enum JsonTextProblem
{
    None,
    /// <summary>A string or key name that is not Unicode text: a lone surrogate escape (<c>"\ud800"</c>) or invalid UTF-8.</summary>
    NotUnicode,
    /// <summary>A string or key name holding U+0000, which PostgreSQL refuses to store.</summary>
    Nul,
}

/// <summary>
/// The text check the JSON parser leaves out: System.Text.Json accepts lone surrogate escapes and invalid UTF-8 inside
/// strings and only fails when the string is read, and it accepts <c>\u0000</c>. REST bodies and socket messages are
/// scanned once, before any field is read, so neither can fail later in a handler or in the database.
/// </summary>
public static class JsonText
{
    /// <summary>
    /// The first problem in a syntactically valid JSON document (a text problem wins over a later NUL) and the byte
    /// offset of the string or key that has it.
    /// </summary>
    public static (JsonTextProblem Problem, long Offset) Check(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json);
        (JsonTextProblem, long) nul = (JsonTextProblem.None, 0);
        while (reader.Read())
        {
            if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName)) continue;
            // Plain ASCII without escapes can hold neither problem (a raw control byte is already a syntax error).
            if (!reader.ValueIsEscaped && !reader.HasValueSequence && Ascii.IsValid(reader.ValueSpan)) continue;

            string text;
            try
            {
                text = reader.GetString()!;
            }
            catch (InvalidOperationException)
            {
                return (JsonTextProblem.NotUnicode, reader.TokenStartIndex);
            }

            if (nul.Item1 == JsonTextProblem.None && text.Contains('\0')) nul = (JsonTextProblem.Nul, reader.TokenStartIndex);
        }

        return nul;
    }
}
