using System.Net;
using Dapper;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Speaking.Application.Quorra.Offline;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Quorra;

/// <summary>
/// The offline queue in PostgreSQL: idempotent by clientId, listed per user, and moved into the command archive
/// exactly once by the sync, even when syncs (or whole instances) run at the same time. The background sync runs
/// every 15 minutes here, so each test runs the sync itself.
/// </summary>
public sealed class QuorraOfflineTests : HostPerTest
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["SYNC_INTERVAL_MINUTES"] = "600" };

    private Task<int> SyncAsync(TestHost? host = null) =>
        (host ?? Host).App.Web.Services.GetRequiredService<IMediator>().Send(new SyncOfflineQueueCommand());

    private static object Pending(string clientId, string content = "turn on the lights") =>
        new { clientId, inputType = "text", content, response = "(offline)", mood = "calm" };

    [Fact]
    public async Task QueueTwice_WithOneClientId_GivesOnePendingRow_AndSyncArchivesItExactlyOnce()
    {
        var user = await Host.QuorraRegisterAsync();

        foreach (var _ in Enumerable.Range(0, 2))
        {
            var queued = await Host.QuorraJsonAsync(HttpMethod.Post, "/offline/queue", user, Pending("c-1"));
            queued.Keys().ShouldBe(["message"]);
            queued.Str("message").ShouldBe("Queued offline");
        }

        var pending = await Host.QuorraJsonAsync(HttpMethod.Get, "/offline/queue", user);
        pending.GetArrayLength().ShouldBe(1);
        pending[0].Keys().ShouldBe(["clientId", "content", "createdAt", "id", "inputType", "mood", "response", "user"]);
        pending[0].Str("clientId").ShouldBe("c-1");
        pending[0].Str("user").ShouldBe(user.Id);

        (await SyncAsync()).ShouldBe(1);

        var commands = await Host.QuorraJsonAsync(HttpMethod.Get, "/command/recent", user);
        commands.GetArrayLength().ShouldBe(1);
        commands[0].Str("content").ShouldBe("turn on the lights");
        commands[0].Str("response").ShouldBe("(offline)");
        commands[0].Str("createdAt").ShouldBe(pending[0].Str("createdAt"));
        (await Host.QuorraJsonAsync(HttpMethod.Get, "/offline/queue", user)).GetArrayLength().ShouldBe(0);

        (await SyncAsync()).ShouldBe(0);
        (await Host.QuorraJsonAsync(HttpMethod.Post, "/offline/queue", user, Pending("c-1"))).Str("message").ShouldBe("Queued offline");
        (await SyncAsync()).ShouldBe(0);
        (await Host.QuorraJsonAsync(HttpMethod.Get, "/command/recent", user)).GetArrayLength().ShouldBe(1);
        (await Host.QuorraJsonAsync(HttpMethod.Get, "/offline/queue", user)).GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task TheQueue_IsPerUser_AndTheSameClientIdIsIndependentPerUser()
    {
        var ann = await Host.QuorraRegisterAsync();
        var bob = await Host.QuorraRegisterAsync();

        await Host.QuorraJsonAsync(HttpMethod.Post, "/offline/queue", ann, Pending("same", "ann's"));
        await Host.QuorraJsonAsync(HttpMethod.Post, "/offline/queue", bob, Pending("same", "bob's"));

        (await Host.QuorraJsonAsync(HttpMethod.Get, "/offline/queue", ann)).EnumerateArray().Select(p => p.Str("content")).ShouldBe(["ann's"]);
        (await Host.QuorraJsonAsync(HttpMethod.Get, "/offline/queue", bob)).EnumerateArray().Select(p => p.Str("content")).ShouldBe(["bob's"]);
        (await SyncAsync()).ShouldBe(2);
        (await Host.QuorraJsonAsync(HttpMethod.Get, "/command/recent", ann)).EnumerateArray().Select(p => p.Str("content")).ShouldBe(["ann's"]);
    }

    [Theory]
    [InlineData("""{"inputType":"text","content":"x"}""", "clientId is required")]
    [InlineData("""{"clientId":7,"inputType":"text","content":"x"}""", "clientId must be a string")]
    [InlineData("""{"clientId":"a","inputType":"smell","content":"x"}""", "inputType must be one of: text, audio, image")]
    [InlineData("""{"clientId":"a","inputType":"text"}""", "content is required")]
    public async Task Queue_BadInput_Is400_AndStoresNothing(string body, string error)
    {
        var user = await Host.QuorraRegisterAsync();

        await (await Host.QuorraAsync(HttpMethod.Post, "/offline/queue", user, body)).ShouldBeQuorraErrorAsync(HttpStatusCode.BadRequest, error);

        (await Host.QuorraJsonAsync(HttpMethod.Get, "/offline/queue", user)).GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task ConcurrentSyncs_OnTwoInstances_ArchiveEveryCommandExactlyOnce()
    {
        var users = new List<QuorraUser>();
        for (var i = 0; i < 4; i++) users.Add(await Host.QuorraRegisterAsync());
        await using (var db = await Host.OpenDbAsync())
        {
            // 1,200 pending rows (more than two batches), written directly to keep the test short.
            await db.ExecuteAsync("""
                INSERT INTO quorra_offline_queue (id, user_id, client_id, input_type, content, queued_at)
                SELECT gen_random_uuid(), u.id, 'bulk-' || n, 'text', 'cmd ' || n, now() - n * interval '1 ms'
                FROM unnest(@ids) AS u(id), generate_series(1, 300) AS n
                """, new { ids = users.Select(u => Guid.Parse(u.Id)).ToArray() });
        }

        await using var second = await TestHost.StartAsync(new Dictionary<string, string?> { ["SYNC_INTERVAL_MINUTES"] = "600" }, Host.ConnectionString);
        var runs = await Task.WhenAll(
            Task.Run(() => SyncAsync()), Task.Run(() => SyncAsync(second)), Task.Run(() => SyncAsync()), Task.Run(() => SyncAsync(second)));

        runs.Sum().ShouldBe(1200);
        await using var check = await Host.OpenDbAsync();
        (await check.ExecuteScalarAsync<int>("SELECT count(*) FROM quorra_commands")).ShouldBe(1200);
        (await check.ExecuteScalarAsync<int>("SELECT count(DISTINCT (user_id, client_id)) FROM quorra_commands")).ShouldBe(1200);
        (await check.ExecuteScalarAsync<int>("SELECT count(*) FROM quorra_offline_queue WHERE synced_at IS NULL")).ShouldBe(0);
        (await check.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM quorra_offline_queue q JOIN quorra_commands c ON c.id = q.command_id")).ShouldBe(1200);
        (await Task.WhenAll(SyncAsync(), SyncAsync(second))).ShouldBe([0, 0]);
    }
}

/// <summary>The background sync runs on its own every SYNC_INTERVAL_MINUTES (here 0.02 minutes).</summary>
public sealed class QuorraBackgroundSyncTests : HostPerTest
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["SYNC_INTERVAL_MINUTES"] = "0.02" };

    [Fact]
    public async Task PendingCommands_ReachTheArchive_WithoutAnyoneAsking()
    {
        var user = await Host.QuorraRegisterAsync();
        await Host.QuorraJsonAsync(HttpMethod.Post, "/offline/queue", user, new { clientId = "bg-1", inputType = "image", content = "photo.jpg" });

        (await Sessions.EventuallyAsync(async () => (await Host.QuorraJsonAsync(HttpMethod.Get, "/command/recent", user)).GetArrayLength() == 1, seconds: 60))
            .ShouldBeTrue();
        (await Host.QuorraJsonAsync(HttpMethod.Get, "/offline/queue", user)).GetArrayLength().ShouldBe(0);
        (await Host.QuorraJsonAsync(HttpMethod.Get, "/command/recent", user))[0].Str("inputType").ShouldBe("image");
    }
}
