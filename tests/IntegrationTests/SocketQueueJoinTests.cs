using System.Text.Json.Nodes;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests;

/// <summary>Regression: join_queue with a level_filter must be answered (the echo outlived the message's JSON document).</summary>
public sealed class SocketQueueJoinTests
{
    [Fact]
    public async Task JoinQueue_WithLevelFilter_EchoesItAndKeepsServingTheSocket()
    {
        await using var host = await TestHost.StartAsync();
        var user = await host.RegisterAsync();
        await using var ws = await host.ConnectAsync(user);

        await ws.SendTextAsync("""{"type":"join_queue","data":{"mode":"level_filter","level_filter":6.5}}""");

        var joined = await ws.NextAsync();
        JsonNode.DeepEquals(JsonNode.Parse(joined.GetRawText()), JsonNode.Parse("""{"type":"queue_joined","data":{"mode":"level_filter","level_filter":6.5}}"""))
            .ShouldBeTrue(joined.GetRawText());
        (await ws.DrainAsync()).ShouldBeEmpty();
    }
}
