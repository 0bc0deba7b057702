using Speaking.Infrastructure.Configuration;
using Speaking.Infrastructure.Realtime;

namespace Speaking.Api.Hosting;

public static class Listening
{
    /// <summary>Kestrel listens on the standard ASP.NET Core URLs when given, else on HOST:PORT (<see cref="ListenAddresses"/>).</summary>
    public static void ListenOn(this ConfigureWebHostBuilder web, ListenAddresses listen)
    {
        if (listen.Urls is { } urls)
        {
            web.UseUrls([.. urls]);
            return;
        }

        web.ConfigureKestrel(kestrel =>
        {
            if (listen.Localhost) kestrel.ListenLocalhost(listen.Port);
            else kestrel.Listen(listen.Host!, listen.Port);
        });
    }

    /// <summary>
    /// Kestrel's connection caps (issue 12 item 8), so that no kind of connection can use up the file descriptors: our
    /// gate refuses sockets over MAX_CONNECTIONS with 503 first; Kestrel's upgraded-connection cap sits a little above it
    /// as a backstop (also a 503, see WebSocketEndpoint), and its cap on plain HTTP connections takes what the
    /// open-file limit leaves. A client over the HTTP cap has its connection closed at once, without an answer.
    /// </summary>
    public static void LimitConnections(this ConfigureWebHostBuilder web, SpeakingSettings settings, ILogger log)
    {
        var openFiles = ConnectionLimits.OpenFileLimit();
        var (upgraded, http) = ConnectionLimits.KestrelCaps(settings.MaxConnections, openFiles);
        if (openFiles is { } files && upgraded + (http ?? 0) + ConnectionLimits.ReservedDescriptors > files)
            log.LogWarning("MAX_CONNECTIONS={MaxConnections} leaves too few of the {OpenFiles} file descriptors this process may open; " +
                "lower it or raise the limit (ulimit -n)", settings.MaxConnections, files);

        web.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxConcurrentUpgradedConnections = upgraded;
            kestrel.Limits.MaxConcurrentConnections = http;
        });
    }
}
