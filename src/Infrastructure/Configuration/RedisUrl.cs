using StackExchange.Redis;

namespace Speaking.Infrastructure.Configuration;

/// <summary>
/// REDIS_URL: <c>redis://[user:password@]host[:port][/db]</c> (<c>rediss://</c> for TLS), or StackExchange.Redis's own
/// form (<c>host:port,password=...</c>). The connection never gives up at start-up (a Redis that is down must not stop
/// a node) and reconnects by itself.
/// </summary>
public static class RedisUrl
{
    public static ConfigurationOptions Parse(string value)
    {
        var text = value.Trim();
        ConfigurationOptions options;
        if (text.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
                throw new FormatException("expected redis://[user:password@]host[:port][/db]");
            options = new ConfigurationOptions { Ssl = uri.Scheme.Equals("rediss", StringComparison.OrdinalIgnoreCase) };
            options.EndPoints.Add(uri.Host.Trim('[', ']'), uri.IsDefaultPort || uri.Port <= 0 ? 6379 : uri.Port);
            if (uri.UserInfo.Length > 0)
            {
                var colon = uri.UserInfo.IndexOf(':');
                if (colon < 0) options.Password = Uri.UnescapeDataString(uri.UserInfo);
                else
                {
                    var user = Uri.UnescapeDataString(uri.UserInfo[..colon]);
                    if (user.Length > 0) options.User = user;
                    options.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
                }
            }

            var path = uri.AbsolutePath.Trim('/');
            if (path.Length > 0)
            {
                if (!int.TryParse(path, out var database) || database < 0) throw new FormatException($"'{path}' is not a database number");
                options.DefaultDatabase = database;
            }
        }
        else
        {
            try
            {
                options = ConfigurationOptions.Parse(text);
            }
            catch (ArgumentException e)
            {
                throw new FormatException(e.Message);
            }

            if (options.EndPoints.Count == 0) throw new FormatException("no host given");
        }

        options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast; // while Redis is away, realtime operations fail at once with a clear error
        options.ConnectTimeout = 3000;
        options.SyncTimeout = 3000;
        options.AsyncTimeout = 3000;
        options.ClientName = "speaking";
        return options;
    }
}
