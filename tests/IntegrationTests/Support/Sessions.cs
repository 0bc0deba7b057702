using Dapper;

namespace Speaking.IntegrationTests.Support;

public static class Sessions
{
    /// <summary>
    /// Starts an active session between two users directly in the database (initiator = user1), held by no
    /// connection yet: the first connection each user opens takes their side over (amendment A-2) and gets <c>matched</c>.
    /// </summary>
    public static async Task<Guid> StartAsync(this TestHost host, TestUser initiator, TestUser callee)
    {
        var id = Guid.NewGuid();
        await using var db = await host.OpenDbAsync();
        await db.ExecuteAsync("""
            INSERT INTO sessions (id, user1_id, user2_id, mode, room_id, status, started_at)
            VALUES (@id, @a, @b, 'roulette', @room, 'active', now());
            INSERT INTO session_participants (session_id, user_id, is_initiator) VALUES (@id, @a, true), (@id, @b, false);
            """, new { id, a = initiator.Id, b = callee.Id, room = "room_" + Guid.NewGuid().ToString("N")[..12] });
        return id;
    }

    /// <summary>
    /// Both users join the roulette queue (<paramref name="first"/> first, so it is the initiator) and wait for their
    /// match: the product's own way to a session, which then belongs to these two connections.
    /// </summary>
    public static async Task<Guid> MatchAsync(WsClient first, WsClient second)
    {
        await first.SendAsync(new { type = "join_queue", data = new { mode = "roulette" } });
        await first.WaitForAsync("queue_joined");
        await second.SendAsync(new { type = "join_queue", data = new { mode = "roulette" } });
        await second.WaitForAsync("queue_joined");
        var matched = await first.WaitForAsync("matched");
        await second.WaitForAsync("matched");
        return Guid.Parse(matched.GetProperty("data").Str("session_id"));
    }

    /// <summary>
    /// Opens both users' sockets on a session started in the database and waits until each holds its side: the
    /// initiator's connection takes its side over (matched), then the callee's (matched), which restarts the
    /// initiator's call (session_ended, matched).
    /// </summary>
    public static async Task<(WsClient Initiator, WsClient Callee)> ConnectToSessionAsync(this TestHost host, TestUser initiator, TestUser callee)
    {
        var wa = await host.ConnectAsync(initiator);
        await wa.WaitForAsync("matched");
        var wb = await host.ConnectAsync(callee);
        await wb.WaitForAsync("matched");
        await wa.WaitForAsync("session_ended");
        await wa.WaitForAsync("matched");
        return (wa, wb);
    }

    public static async Task<string> SessionStatusAsync(this TestHost host, Guid sessionId)
    {
        await using var db = await host.OpenDbAsync();
        return await db.ExecuteScalarAsync<string>("SELECT status FROM sessions WHERE id = @sessionId", new { sessionId }) ?? "missing";
    }

    /// <summary>The stored reconnect deadline of the user's side of the session (null while a connection holds it).</summary>
    public static async Task<DateTime?> ReconnectDeadlineAsync(this TestHost host, Guid sessionId, TestUser user)
    {
        await using var db = await host.OpenDbAsync();
        return await db.ExecuteScalarAsync<DateTime?>(
            "SELECT reconnect_deadline FROM session_participants WHERE session_id = @sessionId AND user_id = @Id", new { sessionId, user.Id });
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
