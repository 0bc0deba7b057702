using System.Net;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests;

public sealed class SmokeTests
{
    [Fact]
    public async Task Health_AnswersHealthy_AndPingIsAnsweredOnTheSocket()
    {
        await using var host = await TestHost.StartAsync();
        var response = await host.Http.GetAsync("/health");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).ShouldBe("{\"status\":\"healthy\"}");

        var user = await host.RegisterAsync();
        await using var ws = await host.ConnectAsync(user);
        (await ws.DrainAsync()).ShouldBeEmpty();
    }
}
