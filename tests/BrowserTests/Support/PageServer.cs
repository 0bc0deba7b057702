using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Speaking.BrowserTests.Support;

/// <summary>
/// Serves the test page (an embedded resource) over http on 127.0.0.1 and a free port. getUserMedia needs a
/// page from a secure context, and http://127.0.0.1 counts as one; its origin differs from the API's port, so the
/// API is started with CORS_ORIGINS set to <see cref="Origin"/>, as a deployed frontend would be.
/// </summary>
public sealed class PageServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private PageServer(WebApplication app, int port)
    {
        _app = app;
        Origin = $"http://127.0.0.1:{port}";
    }

    public string Origin { get; }

    public static async Task<PageServer> StartAsync()
    {
        var html = await ReadPageAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapGet("/call.html", () => Results.Content(html, "text/html; charset=utf-8"));
        await app.StartAsync();
        return new PageServer(app, new Uri(app.Urls.First()).Port);
    }

    /// <summary>
    /// The page's address, telling it where the API is and, optionally, where to fetch its ICE servers (as the frontend
    /// does with NEXT_PUBLIC_TURN_CREDENTIALS_URL) and which ICE transport policy to use ("relay": TURN only).
    /// </summary>
    public string CallPageUrl(Uri api, string? iceServersUrl = null, string? iceTransportPolicy = null)
    {
        var url = $"{Origin}/call.html?api={Uri.EscapeDataString(api.ToString().TrimEnd('/'))}";
        if (iceServersUrl is not null) url += "&iceServersUrl=" + Uri.EscapeDataString(iceServersUrl);
        if (iceTransportPolicy is not null) url += "&iceTransportPolicy=" + Uri.EscapeDataString(iceTransportPolicy);
        return url;
    }

    private static async Task<string> ReadPageAsync()
    {
        await using var stream = typeof(PageServer).Assembly.GetManifestResourceStream("call.html")
            ?? throw new InvalidOperationException("The embedded test page is missing.");
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
