using Dapper;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Speaking.Application.Practice;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Practice;

/// <summary>Stored chat is deleted after CHAT_RETENTION_DAYS by a background job (at start-up, then hourly).</summary>
public sealed class ChatRetentionTests
{
    private static async Task<Guid> MessageAsync(Npgsql.NpgsqlConnection db, Guid session, Guid sender, DateTime sentAt, string body)
    {
        var id = Guid.NewGuid();
        await db.ExecuteAsync("INSERT INTO chat_messages (id, session_id, sender_id, body, sent_at) VALUES (@id, @session, @sender, @body, @sentAt)",
            new { id, session, sender, body, sentAt });
        return id;
    }

    private static async Task<string[]> BodiesAsync(Npgsql.NpgsqlConnection db) =>
        (await db.QueryAsync<string>("SELECT body FROM chat_messages ORDER BY sent_at")).ToArray();

    [Fact]
    public async Task ThePurge_DeletesMessagesOlderThanTheRetention_AndKeepsTheRest()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["CHAT_RETENTION_DAYS"] = "7" });
        var a = await host.RegisterAsync();
        var b = await host.RegisterAsync();
        var session = await host.EndedSessionAsync(a, b, TimeSpan.FromMinutes(10), DateTime.UtcNow.AddDays(-10));
        await using var db = await host.OpenDbAsync();
        var now = DateTime.UtcNow;
        await MessageAsync(db, session, a.Id, now.AddDays(-9), "nine days old");
        await MessageAsync(db, session, b.Id, now.AddDays(-7).AddMinutes(-1), "just over a week old");
        await MessageAsync(db, session, a.Id, now.AddDays(-6), "six days old");
        await MessageAsync(db, session, b.Id, now.AddMinutes(-1), "a minute old");

        await using var scope = host.App.Web.Services.CreateAsyncScope();
        var deleted = await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new PurgeOldChatCommand());

        deleted.ShouldBe(2);
        (await BodiesAsync(db)).ShouldBe(["six days old", "a minute old"]);
    }

    [Fact]
    public async Task TheJob_RunsWhenTheServiceStarts_WithTheDefaultOfThirtyDays()
    {
        // Old chat waiting in the database before the service starts.
        var connectionString = await SharedPostgres.CreateDatabaseAsync();
        var a = Guid.NewGuid();
        var b = Guid.NewGuid();
        var session = Guid.NewGuid();
        var now = DateTime.UtcNow;
        await using (var seed = new Npgsql.NpgsqlConnection(connectionString))
        {
            await seed.OpenAsync();
            await seed.ExecuteAsync("""
                INSERT INTO users (id, email, password_hash, username) VALUES (@a, @ea, 'x', 'ann'), (@b, @eb, 'x', 'bob');
                INSERT INTO sessions (id, user1_id, user2_id, mode, room_id, status, started_at, ended_at)
                VALUES (@session, @a, @b, 'roulette', 'room_aaaaaaaaaaaa', 'completed', @start, @start);
                """, new { a, b, session, ea = $"{a:N}@example.com", eb = $"{b:N}@example.com", start = now.AddDays(-40) });
            await MessageAsync(seed, session, a, now.AddDays(-31), "a month and a day old");
            await MessageAsync(seed, session, b, now.AddDays(-29), "29 days old");
        }

        await using var host = await TestHost.StartAsync(connectionString: connectionString);
        await using var db = await host.OpenDbAsync();

        (await Sessions.EventuallyAsync(async () => (await BodiesAsync(db)).Length == 1)).ShouldBeTrue("the start-up purge never ran");
        (await BodiesAsync(db)).ShouldBe(["29 days old"]);
    }
}
