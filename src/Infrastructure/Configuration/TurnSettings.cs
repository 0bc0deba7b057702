using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace Speaking.Infrastructure.Configuration;

/// <summary>
/// TURN credentials (issue 13): coturn's shared secret, the URLs handed to browsers, the credentials' lifetime, and the
/// guards of the anonymous <c>/webrtc/turn-credentials</c>. Read and checked with the other settings at start-up.
/// </summary>
public sealed partial record TurnSettings
{
    /// <summary>TURN_SECRET, coturn's <c>static-auth-secret</c>; null: TURN is not configured (the endpoints answer 503).</summary>
    public string? Secret { get; init; }
    /// <summary>TURN_URLS: <c>turn:</c> and <c>turns:</c> URLs, handed out with the credentials.</summary>
    public IReadOnlyList<string> TurnUrls { get; init; } = [];
    /// <summary>STUN_URLS: <c>stun:</c> and <c>stuns:</c> URLs, handed out without credentials.</summary>
    public IReadOnlyList<string> StunUrls { get; init; } = [];
    public int TtlSeconds { get; init; } = Application.Webrtc.TurnOptions.DefaultTtlSeconds;
    /// <summary>TURN_CREDENTIALS_KEY: when set, <c>/webrtc/turn-credentials</c> wants it as <c>?key=</c>.</summary>
    public string? CredentialsKey { get; init; }
    /// <summary>TURN_CREDENTIALS_PER_MINUTE: anonymous credential requests per client address and minute.</summary>
    public int CredentialsPerMinute { get; init; } = 60;

    public const int MinTtlSeconds = 60;
    public const int MaxTtlSeconds = 7 * 24 * 3600;

    public static TurnSettings From(IConfiguration config)
    {
        var defaults = new TurnSettings();
        var secret = config["TURN_SECRET"] is { Length: > 0 } s ? s : null;
        var turnUrls = Urls(config, "TURN_URLS", TurnUrl(), "turn:host[:port][?transport=udp|tcp] or turns:host[:port][?transport=udp|tcp]");
        if (secret is not null && turnUrls.Count == 0)
            throw new ConfigurationProblem("TURN_URLS", "must name at least one turn: or turns: URL when TURN_SECRET is set.");

        return new TurnSettings
        {
            Secret = secret,
            TurnUrls = turnUrls,
            StunUrls = Urls(config, "STUN_URLS", StunUrl(), "stun:host[:port] or stuns:host[:port]"),
            TtlSeconds = SpeakingSettings.Int(config, "TURN_TTL_SECONDS", defaults.TtlSeconds, min: MinTtlSeconds, max: MaxTtlSeconds),
            CredentialsKey = config["TURN_CREDENTIALS_KEY"] is { Length: > 0 } key ? key : null,
            CredentialsPerMinute = SpeakingSettings.Int(config, "TURN_CREDENTIALS_PER_MINUTE", defaults.CredentialsPerMinute, min: 1),
        };
    }

    /// <summary>A comma list of URLs, each matching <paramref name="shape"/> (RFC 7064/7065 without user info).</summary>
    private static List<string> Urls(IConfiguration config, string name, Regex shape, string expected)
    {
        var urls = new List<string>();
        foreach (var url in (config[name] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var match = shape.Match(url);
            if (!match.Success || (match.Groups["port"].Success && int.Parse(match.Groups["port"].Value, CultureInfo.InvariantCulture) is < 1 or > 65535))
                throw new ConfigurationProblem(name, $"has '{url}', which is not {expected}.");
            urls.Add(url);
        }

        return urls;
    }

    private const string HostAndPort = @"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::(?<port>[0-9]{1,5}))?";

    [GeneratedRegex($@"^(?i:turns?):{HostAndPort}(?:\?transport=(?i:udp|tcp))?$")]
    private static partial Regex TurnUrl();

    [GeneratedRegex($@"^(?i:stuns?):{HostAndPort}$")]
    private static partial Regex StunUrl();
}
