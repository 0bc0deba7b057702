using Speaking.IntegrationTests.Support;

namespace Speaking.BrowserTests.Support;

/// <summary>
/// A browser test's fixture: the page server and a fresh service (its own PostgreSQL database) that accepts the
/// page's origin, started before each test and stopped after it. A test class adds settings, and may start something
/// the service needs first (coturn) and stop it last.
/// </summary>
public abstract class ServiceAndPages : IAsyncLifetime
{
    protected PageServer Server { get; private set; } = null!;

    protected TestHost Host { get; private set; } = null!;

    /// <summary>Settings for the service besides CORS_ORIGINS (which is always the page server's origin).</summary>
    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>();

    /// <summary>Runs before the page server and the service start.</summary>
    protected virtual Task BeforeStartAsync() => Task.CompletedTask;

    /// <summary>Runs after the service and the page server have stopped.</summary>
    protected virtual ValueTask AfterStopAsync() => ValueTask.CompletedTask;

    public async Task InitializeAsync()
    {
        await BeforeStartAsync();
        Server = await PageServer.StartAsync();
        Host = await TestHost.StartAsync(new Dictionary<string, string?>(Settings) { ["CORS_ORIGINS"] = Server.Origin });
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Server.DisposeAsync();
        await AfterStopAsync();
    }
}
