using Npgsql;

namespace Speaking.Infrastructure.Configuration;

/// <summary>
/// Turns DATABASE_URL into an Npgsql connection string. Accepts the URL forms the original accepted
/// (postgres://, postgresql://, postgresql+asyncpg://; percent-decoded user and password, port 5432 by default,
/// sslmode mapped) and a native Npgsql "Key=Value;..." string.
/// </summary>
public static class DatabaseUrl
{
    private static readonly string[] Schemes = ["postgres://", "postgresql://", "postgresql+asyncpg://"];

    public static string ToConnectionString(string value)
    {
        var text = value.Trim();
        var scheme = Schemes.FirstOrDefault(s => text.StartsWith(s, StringComparison.OrdinalIgnoreCase));
        if (scheme is null)
        {
            if (!text.Contains('=')) throw new FormatException("expected postgres://user:password@host:port/dbname or an Npgsql connection string");
            try
            {
                return new NpgsqlConnectionStringBuilder(text).ConnectionString;
            }
            catch (ArgumentException e)
            {
                throw new FormatException($"not a valid Npgsql connection string ({e.Message})");
            }
        }

        if (!Uri.TryCreate("postgresql://" + text[scheme.Length..], UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            throw new FormatException("expected postgres://user:password@host:port/dbname");

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host.Trim('[', ']'),
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
        };

        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length > 0) builder.Database = database;

        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':');
            builder.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0) builder.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(parts[0]).ToLowerInvariant();
            var val = parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "";
            switch (key)
            {
                case "sslmode" or "ssl":
                    builder.SslMode = val.ToLowerInvariant() switch
                    {
                        "disable" or "false" => SslMode.Disable,
                        "allow" => SslMode.Allow,
                        "prefer" => SslMode.Prefer,
                        "require" or "true" => SslMode.Require,
                        "verify-ca" => SslMode.VerifyCA,
                        "verify-full" => SslMode.VerifyFull,
                        _ => throw new FormatException($"unknown sslmode '{val}'"),
                    };
                    break;
                case "application_name":
                    builder.ApplicationName = val;
                    break;
            }
        }

        return builder.ConnectionString;
    }
}
