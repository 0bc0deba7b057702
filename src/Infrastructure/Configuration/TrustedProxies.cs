using System.Net;

namespace Speaking.Infrastructure.Configuration;

/// <summary>
/// TRUSTED_PROXIES: the reverse proxies whose X-Forwarded-For / X-Forwarded-Proto headers are believed, as a comma
/// list of addresses or CIDR blocks (<c>127.0.0.1, 10.0.0.0/8, ::1</c>). A single address is a /32 (or /128) block.
/// Nothing is trusted by default, so a client cannot choose the address rate limits see.
/// </summary>
public static class TrustedProxies
{
    public static IReadOnlyList<IPNetwork> Parse(string value)
    {
        var networks = new List<IPNetwork>();
        foreach (var raw in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (IPNetwork.TryParse(raw, out var network))
            {
                networks.Add(network);
            }
            else if (IPAddress.TryParse(raw, out var address))
            {
                networks.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                throw new FormatException($"'{raw}' is neither an IP address nor a CIDR block");
            }
        }

        return networks;
    }
}
