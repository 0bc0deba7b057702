using System.Net;

namespace Speaking.Infrastructure.Configuration;

/// <summary>
/// Where Kestrel listens. The standard ASP.NET Core settings win (<c>--urls</c>, <c>ASPNETCORE_URLS</c>, <c>URLS</c>:
/// a semicolon list of <c>http://host:port</c>); without them, <c>HOST</c> (default 0.0.0.0) and <c>PORT</c>
/// (default 8000), the variables the original's deployments set.
/// </summary>
public sealed record ListenAddresses(IReadOnlyList<string>? Urls, IPAddress? Host, bool Localhost, int Port)
{
    public static ListenAddresses From(string? urls, string? host, int port)
    {
        if (urls is not null)
        {
            var list = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var url in list)
            {
                if (!Uri.TryCreate(url.Replace("*", "0.0.0.0").Replace("+", "0.0.0.0"), UriKind.Absolute, out var uri)
                    || uri.Scheme is not ("http" or "https"))
                    throw new FormatException($"'{url}' is not an http:// or https:// address");
            }

            if (list.Length == 0) throw new FormatException("no address given");
            return new ListenAddresses(list, null, false, port);
        }

        if (host is null) return new ListenAddresses(null, IPAddress.Any, false, port);
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)) return new ListenAddresses(null, null, true, port);
        var trimmed = host.Trim().Trim('[', ']');
        return IPAddress.TryParse(trimmed, out var address)
            ? new ListenAddresses(null, address, false, port)
            : throw new FormatException($"'{host}' is not an IP address or 'localhost'");
    }
}
