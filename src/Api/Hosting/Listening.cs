using Speaking.Infrastructure.Configuration;

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
}
