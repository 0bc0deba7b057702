using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Speaking.Infrastructure.Persistence;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Foundation;

public sealed class ReadinessTests
{
    [Fact]
    public async Task HealthReady_Is503WhileTheDatabaseIsDown_And200AfterItRestarts()
    {
        var home = Path.Combine(Path.GetTempPath(), "speaking-ready-" + Guid.NewGuid().ToString("N"));
        await using var cluster = await EmbeddedPostgres.StartAsync(home, NullLogger.Instance, fast: true, deleteOnDispose: true);
        await using var host = await TestHost.StartAsync(connectionString: cluster.ConnectionString);

        (await host.Http.GetAsync("/health/ready")).StatusCode.ShouldBe(HttpStatusCode.OK);

        await cluster.StopAsync();
        (await host.Http.GetAsync("/health/ready")).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await host.Http.GetAsync("/health")).StatusCode.ShouldBe(HttpStatusCode.OK);

        await cluster.RestartAsync();
        NpgsqlConnection.ClearAllPools();
        var status = HttpStatusCode.ServiceUnavailable;
        for (var attempt = 0; attempt < 50 && status != HttpStatusCode.OK; attempt++)
        {
            status = (await host.Http.GetAsync("/health/ready")).StatusCode;
            if (status != HttpStatusCode.OK) await Task.Delay(200);
        }

        status.ShouldBe(HttpStatusCode.OK);
    }
}
