using System.Net.WebSockets;
using Dapper;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Realtime;

public sealed class PresenceTests
{
    [Fact]
    public async Task Connect_SetsOnlineAndLastSeen_Disconnect_SetsOfflineAndLeavesTheQueue()
    {
        await using var host = await TestHost.StartAsync();
        var user = await host.RegisterAsync();
        DateTime registeredSeen;
        await using (var db = await host.OpenDbAsync())
            registeredSeen = await db.ExecuteScalarAsync<DateTime>("SELECT last_seen FROM users WHERE id = @Id", new { user.Id });

        var ws = await host.ConnectAsync(user);
        await ws.SendAsync(new { type = "join_queue", data = new { mode = "roulette" } });
        (await ws.NextAsync()).Type().ShouldBe("queue_joined");
        (await host.IsOnlineAsync(user)).ShouldBeTrue();

        await ws.CloseAsync();
        await ws.DisposeAsync();
        (await Sessions.EventuallyAsync(async () => !await host.IsOnlineAsync(user))).ShouldBeTrue();
        await using (var db = await host.OpenDbAsync())
        {
            (await db.ExecuteScalarAsync<DateTime>("SELECT last_seen FROM users WHERE id = @Id", new { user.Id })).ShouldBeGreaterThan(registeredSeen);
            (await db.ExecuteScalarAsync<int>("SELECT count(*) FROM queue_entries WHERE user_id = @Id AND is_active", new { user.Id })).ShouldBe(0);
        }
    }

    [Fact]
    public async Task CleanShutdown_ClosesSocketsWith1001_AndLeavesNobodyOnline()
    {
        var host = await TestHost.StartAsync();
        var users = new[] { await host.RegisterAsync(), await host.RegisterAsync(), await host.RegisterAsync() };
        var sockets = new List<WsClient>();
        foreach (var user in users) sockets.Add(await host.ConnectAsync(user));
        foreach (var user in users) (await host.IsOnlineAsync(user)).ShouldBeTrue();
        var connectionString = host.ConnectionString;

        await host.DisposeAsync();

        foreach (var socket in sockets)
        {
            await socket.Closed.Task.WaitAsync(TimeSpan.FromSeconds(20));
            socket.CloseStatus.ShouldBe(WebSocketCloseStatus.EndpointUnavailable);
        }

        await using var db = new Npgsql.NpgsqlConnection(connectionString);
        (await db.ExecuteScalarAsync<int>("SELECT count(*) FROM users WHERE is_online")).ShouldBe(0);
    }
}
