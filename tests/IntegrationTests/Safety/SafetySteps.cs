using System.Net;
using System.Text.Json;
using Dapper;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Safety;

/// <summary>Blocks, reports and moderators through the REST API (and the database where a test needs history).</summary>
public static class SafetySteps
{
    public static Task<HttpResponseMessage> BlockAsync(this TestHost host, TestUser blocker, TestUser blocked) =>
        host.SendAsync(HttpMethod.Post, $"/users/{blocked.Id}/block", blocker);

    public static async Task BlockedAsync(this TestHost host, TestUser blocker, TestUser blocked)
    {
        var response = await host.BlockAsync(blocker, blocked);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    public static Task<HttpResponseMessage> ReportAsync(this TestHost host, TestUser reporter, TestUser target, object body) =>
        host.SendAsync(HttpMethod.Post, $"/users/{target.Id}/report", reporter, body);

    public static async Task<JsonElement> ReportedAsync(this TestHost host, TestUser reporter, TestUser target, object? body = null)
    {
        var response = await host.ReportAsync(reporter, target, body ?? new { reason = "harassment" });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await response.ReadJsonAsync();
    }

    /// <summary>A call the two had that is over (completed), as history: the contact that makes a report count.</summary>
    public static async Task<Guid> PastSessionAsync(this TestHost host, TestUser a, TestUser b, DateTime? startedAt = null)
    {
        var id = Guid.NewGuid();
        var started = startedAt ?? DateTime.UtcNow.AddDays(-1);
        await using var db = await host.OpenDbAsync();
        await db.ExecuteAsync("""
            INSERT INTO sessions (id, user1_id, user2_id, mode, room_id, status, started_at, ended_at, end_reason)
            VALUES (@id, @a, @b, 'roulette', @room, 'completed', @started, @ended, 'ended');
            INSERT INTO session_participants (session_id, user_id, is_initiator, active) VALUES (@id, @a, true, false), (@id, @b, false, false);
            """, new { id, a = a.Id, b = b.Id, room = "room_" + Guid.NewGuid().ToString("N")[..12], started, ended = started.AddMinutes(10) });
        return id;
    }

    public static async Task MakeAdminAsync(this TestHost host, TestUser user)
    {
        await using var db = await host.OpenDbAsync();
        await db.ExecuteAsync("UPDATE users SET is_admin = true WHERE id = @Id", new { user.Id });
    }

    public static async Task<DateTime?> SuspendedUntilAsync(this TestHost host, TestUser user)
    {
        await using var db = await host.OpenDbAsync();
        return await db.ExecuteScalarAsync<DateTime?>("SELECT suspended_until FROM users WHERE id = @Id", new { user.Id });
    }

    /// <summary>The text a suspended user is refused with, for the suspension stored now.</summary>
    public static async Task<string> SuspensionMessageAsync(this TestHost host, TestUser user)
    {
        var until = (await host.SuspendedUntilAsync(user)).ShouldNotBeNull();
        return "You are suspended from matching and invitations until " + until.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
    }

    /// <summary>Connects and waits until the server serves the socket (the user counts as online).</summary>
    public static async Task<WsClient> OnlineAsync(this TestHost host, TestUser user)
    {
        var ws = await host.ConnectAsync(user);
        (await ws.DrainAsync()).ShouldBeEmpty();
        return ws;
    }

    public static async Task<bool> IsQueuedAsync(this TestHost host, TestUser user)
    {
        await using var db = await host.OpenDbAsync();
        return await db.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM queue_entries WHERE user_id = @Id AND is_active)", new { user.Id });
    }

    public static async Task<IReadOnlyList<string>> SearchAsync(this TestHost host, TestUser caller, string text)
    {
        var response = await host.SendAsync(HttpMethod.Get, $"/partners/search?q={Uri.EscapeDataString(text)}", caller);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return (await response.ReadJsonAsync()).EnumerateArray().Select(u => u.Str("username")).Order().ToArray();
    }
}
