using Dapper;

namespace Speaking.IntegrationTests.Support;

public static class Sessions
{
    /// <summary>Starts an active session between two users directly in the database (initiator = user1).</summary>
    public static async Task<Guid> StartAsync(this TestHost host, TestUser initiator, TestUser callee)
    {
        var id = Guid.NewGuid();
        await using var db = await host.OpenDbAsync();
        await db.ExecuteAsync("""
            INSERT INTO sessions (id, user1_id, user2_id, mode, room_id, status, started_at)
            VALUES (@id, @a, @b, 'roulette', @room, 'active', now())
            """, new { id, a = initiator.Id, b = callee.Id, room = "room_" + Guid.NewGuid().ToString("N")[..12] });
        return id;
    }

    public static async Task<string> SessionStatusAsync(this TestHost host, Guid sessionId)
    {
        await using var db = await host.OpenDbAsync();
        return await db.ExecuteScalarAsync<string>("SELECT status FROM sessions WHERE id = @sessionId", new { sessionId }) ?? "missing";
    }

    public static async Task<bool> IsOnlineAsync(this TestHost host, TestUser user)
    {
        await using var db = await host.OpenDbAsync();
        return await db.ExecuteScalarAsync<bool>("SELECT is_online FROM users WHERE id = @Id", new { user.Id });
    }

    /// <summary>Polls a condition that the server reaches on its own (e.g. after a socket closes); no timing is asserted.</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, int seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition()) return true;
            await Task.Delay(50);
        }

        return await condition();
    }
}
