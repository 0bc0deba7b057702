using System.Text.RegularExpressions;

namespace Speaking.Domain.Users;

/// <summary>
/// Email syntax check and normalisation as the original API did it: surrounding white space is stripped,
/// "Name &lt;addr@host&gt;" is reduced to the address, the domain is lower-cased (the local part keeps its case),
/// the domain needs a dot and may not be a special-use domain. No DNS look-up.
/// </summary>
public static partial class EmailAddress
{
    public const int MaxLength = 255;

    private static readonly string[] SpecialUseSuffixes = ["test", "local", "localhost", "invalid", "onion", "arpa"];

    /// <summary>Returns the normalised address, or null with the reason the address is not valid.</summary>
    public static string? Normalise(string input, out string? reason)
    {
        reason = null;
        var text = input.Trim();
        var display = DisplayNameForm().Match(text);
        if (display.Success) text = display.Groups["addr"].Value.Trim();

        var at = text.LastIndexOf('@');
        if (at < 0)
        {
            reason = "An email address must have an @-sign.";
            return null;
        }

        var local = text[..at];
        var domain = text[(at + 1)..];
        if (local.Length == 0)
        {
            reason = "There must be something before the @-sign.";
            return null;
        }

        if (domain.Length == 0)
        {
            reason = "There must be something after the @-sign.";
            return null;
        }

        if (!LocalPart().IsMatch(local) || local.StartsWith('.') || local.EndsWith('.') || local.Contains(".."))
        {
            reason = "The part before the @-sign contains invalid characters or dots in the wrong place.";
            return null;
        }

        domain = domain.ToLowerInvariant();
        if (!domain.Contains('.'))
        {
            reason = "The part after the @-sign is not valid. It should have a period.";
            return null;
        }

        var labels = domain.Split('.');
        if (labels.Any(l => !DomainLabel().IsMatch(l)))
        {
            reason = "The part after the @-sign is not valid.";
            return null;
        }

        var tld = labels[^1];
        if (SpecialUseSuffixes.Contains(tld))
        {
            reason = "The part after the @-sign is a special-use or reserved name that cannot be used with email.";
            return null;
        }

        if (tld.All(char.IsDigit))
        {
            reason = "The part after the @-sign is not valid. It is not within a valid top-level domain.";
            return null;
        }

        var normalised = local + "@" + domain;
        if (normalised.Length > MaxLength)
        {
            reason = "The email address is too long.";
            return null;
        }

        return normalised;
    }

    [GeneratedRegex("^[^<>]*<(?<addr>[^<>]+)>$")]
    private static partial Regex DisplayNameForm();

    [GeneratedRegex(@"^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~.\-]+$")]
    private static partial Regex LocalPart();

    [GeneratedRegex(@"^[\p{L}\p{N}](?:[\p{L}\p{N}\-]{0,61}[\p{L}\p{N}])?$")]
    private static partial Regex DomainLabel();
}
