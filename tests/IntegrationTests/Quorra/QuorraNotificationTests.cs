using System.Net;
using System.Text.Json;
using Dapper;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Quorra;

/// <summary>Notifications, marking them read, and due reminders pushed once to the owner's Quorra socket (or on the next connect).</summary>
public sealed class QuorraNotificationTests(QuorraFixture fixture) : IClassFixture<QuorraFixture>
{
    private readonly TestHost _host = fixture.Host;

    [Fact]
    public async Task Create_Is201WithTheNotification()
    {
        var user = await _host.QuorraRegisterAsync();

        var created = await _host.QuorraJsonAsync(HttpMethod.Post, "/notifications/create", user,
            new { title = "Drink water", body = "A glass now", type = "system", scheduledAt = "2030-01-02T03:04:05.678Z" }, HttpStatusCode.Created);

        created.Keys().ShouldBe(["body", "createdAt", "deliveredAt", "id", "read", "scheduledAt", "title", "type", "user"]);
        created.Str("title").ShouldBe("Drink water");
        created.Str("body").ShouldBe("A glass now");
        created.Str("type").ShouldBe("system");
        created.Str("scheduledAt").ShouldBe("2030-01-02T03:04:05.678Z");
        created.GetProperty("read").GetBoolean().ShouldBeFalse();
        created.GetProperty("deliveredAt").ValueKind.ShouldBe(JsonValueKind.Null);
        created.Str("user").ShouldBe(user.Id);
    }

    [Fact]
    public async Task Create_AcceptsMillisecondsAndOffsets_AndDefaultsScheduledAtToNow()
    {
        var user = await _host.QuorraRegisterAsync();

        var millis = await _host.QuorraJsonAsync(HttpMethod.Post, "/notifications/create", user,
            new { title = "a", type = "custom", scheduledAt = 1_900_000_000_000L }, HttpStatusCode.Created);
        var offset = await _host.QuorraJsonAsync(HttpMethod.Post, "/notifications/create", user,
            new { title = "b", type = "custom", scheduledAt = "2030-01-02T08:04:05+05:00" }, HttpStatusCode.Created);
        var unset = await _host.QuorraJsonAsync(HttpMethod.Post, "/notifications/create", user, new { title = "c", type = "custom" }, HttpStatusCode.Created);

        millis.Str("scheduledAt").ShouldBe("2030-03-17T17:46:40.000Z");
        offset.Str("scheduledAt").ShouldBe("2030-01-02T03:04:05.000Z");
        unset.Str("scheduledAt").ShouldBe(unset.Str("createdAt"));
    }

    [Theory]
    [InlineData("""{"type":"reminder"}""", "title is required")]
    [InlineData("""{"title":"x"}""", "type is required")]
    [InlineData("""{"title":"x","type":"alarm"}""", "type must be one of: reminder, system, custom")]
    [InlineData("""{"title":"x","type":"custom","scheduledAt":"tomorrow"}""", "scheduledAt must be an ISO 8601 date-time (or milliseconds since 1970)")]
    [InlineData("""{"title":"x","type":"custom","scheduledAt":true}""", "scheduledAt must be an ISO 8601 date-time (or milliseconds since 1970)")]
    [InlineData("""{"title":"x","type":"custom","scheduledAt":1e300}""", "scheduledAt must be an ISO 8601 date-time (or milliseconds since 1970)")]
    public async Task Create_BadInput_Is400(string body, string error)
    {
        var user = await _host.QuorraRegisterAsync();

        await (await _host.QuorraAsync(HttpMethod.Post, "/notifications/create", user, body)).ShouldBeQuorraErrorAsync(HttpStatusCode.BadRequest, error);
    }

    [Fact]
    public async Task List_IsLatestScheduledFirst_AndOnlyTheCallers()
    {
        var ann = await _host.QuorraRegisterAsync();
        var bob = await _host.QuorraRegisterAsync();
        foreach (var (title, at) in new[] { ("mid", "2031-01-01T00:00:00Z"), ("late", "2032-01-01T00:00:00Z"), ("early", "2030-01-01T00:00:00Z") })
            await _host.QuorraJsonAsync(HttpMethod.Post, "/notifications/create", ann, new { title, type = "custom", scheduledAt = at }, HttpStatusCode.Created);
        await _host.QuorraJsonAsync(HttpMethod.Post, "/notifications/create", bob, new { title = "bob", type = "custom" }, HttpStatusCode.Created);

        (await _host.QuorraJsonAsync(HttpMethod.Get, "/notifications/list", ann)).EnumerateArray().Select(n => n.Str("title")).ShouldBe(["late", "mid", "early"]);
        (await _host.QuorraJsonAsync(HttpMethod.Get, "/notifications/list", bob)).EnumerateArray().Select(n => n.Str("title")).ShouldBe(["bob"]);
    }

    [Fact]
    public async Task Read_MarksTheCallersNotificationRead_AndOthersAre404()
    {
        var ann = await _host.QuorraRegisterAsync();
        var bob = await _host.QuorraRegisterAsync();
        var created = await _host.QuorraJsonAsync(HttpMethod.Post, "/notifications/create", ann, new { title = "x", type = "custom" }, HttpStatusCode.Created);
        var id = created.Str("id");

        await (await _host.QuorraAsync(HttpMethod.Post, $"/notifications/{id}/read", bob)).ShouldBeQuorraErrorAsync(HttpStatusCode.NotFound, "Notification not found");
        await (await _host.QuorraAsync(HttpMethod.Post, "/notifications/nope/read", ann)).ShouldBeQuorraErrorAsync(HttpStatusCode.NotFound, "Notification not found");
        await (await _host.QuorraAsync(HttpMethod.Post, $"/notifications/{Guid.NewGuid()}/read", ann)).ShouldBeQuorraErrorAsync(HttpStatusCode.NotFound, "Notification not found");
        (await _host.QuorraJsonAsync(HttpMethod.Get, "/notifications/list", ann))[0].GetProperty("read").GetBoolean().ShouldBeFalse();

        var read = await _host.QuorraJsonAsync(HttpMethod.Post, $"/notifications/{id}/read", ann);

        read.Str("id").ShouldBe(id);
        read.GetProperty("read").GetBoolean().ShouldBeTrue();
        (await _host.QuorraJsonAsync(HttpMethod.Get, "/notifications/list", ann))[0].GetProperty("read").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task ADueReminder_IsPushedToTheOwnersOpenSocket_Once()
    {
        var ann = await _host.QuorraRegisterAsync();
        var bob = await _host.QuorraRegisterAsync();
        await using var annSocket = await _host.QuorraConnectAsync(ann);
        await using var bobSocket = await _host.QuorraConnectAsync(bob);
        (await annSocket.DrainAsync()).ShouldBeEmpty();

        var created = await _host.QuorraJsonAsync(HttpMethod.Post, "/notifications/create", ann,
            new { title = "Stand up", type = "reminder", scheduledAt = DateTime.UtcNow.AddSeconds(2).ToString("O") }, HttpStatusCode.Created);
        await _host.QuorraJsonAsync(HttpMethod.Post, "/notifications/create", ann, new { title = "not a reminder", type = "system" }, HttpStatusCode.Created);

        var pushed = await annSocket.WaitForAsync("notification", TimeSpan.FromSeconds(30));
        pushed.Keys().ShouldBe(["notification", "type"]);
        var notification = pushed.GetProperty("notification");
        notification.Str("id").ShouldBe(created.Str("id"));
        notification.Str("title").ShouldBe("Stand up");
        notification.Str("type").ShouldBe("reminder");
        notification.GetProperty("deliveredAt").ValueKind.ShouldBe(JsonValueKind.String);

        // Pushed once: the row is marked delivered, a reconnect gets nothing, and neither socket gets anything else.
        (await Sessions.EventuallyAsync(async () =>
            (await _host.QuorraJsonAsync(HttpMethod.Get, "/notifications/list", ann)).EnumerateArray()
            .Single(n => n.Str("id") == created.Str("id")).GetProperty("deliveredAt").ValueKind == JsonValueKind.String)).ShouldBeTrue();
        await using (var again = await _host.QuorraConnectAsync(ann))
            (await again.DrainAsync()).ShouldBeEmpty();
        (await annSocket.DrainAsync()).ShouldBeEmpty();
        (await bobSocket.DrainAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task AReminderThatFellDueWhileOffline_IsDeliveredOnTheNextConnect()
    {
        var user = await _host.QuorraRegisterAsync();
        var created = await _host.QuorraJsonAsync(HttpMethod.Post, "/notifications/create", user,
            new { title = "Missed", type = "reminder", scheduledAt = DateTime.UtcNow.AddMinutes(-5).ToString("O") }, HttpStatusCode.Created);
        await _host.QuorraJsonAsync(HttpMethod.Post, "/notifications/create", user,
            new { title = "Later", type = "reminder", scheduledAt = DateTime.UtcNow.AddDays(1).ToString("O") }, HttpStatusCode.Created);

        await using var socket = await _host.QuorraConnectAsync(user);
        var messages = await socket.DrainAsync();

        messages.Count.ShouldBe(1);
        messages[0].Type().ShouldBe("notification");
        messages[0].GetProperty("notification").Str("id").ShouldBe(created.Str("id"));
        await using var db = await _host.OpenDbAsync();
        (await db.ExecuteScalarAsync<DateTime?>("SELECT delivered_at FROM quorra_notifications WHERE id = @id", new { id = Guid.Parse(created.Str("id")) }))
            .ShouldNotBeNull();
    }

    [Fact]
    public async Task Socket_RefusesMissingAndBadTokens_AndAnswersUnknownMessages()
    {
        var user = await _host.QuorraRegisterAsync();

        (await QuorraSteps.RefusedHandshakeAsync(_host.QuorraSocketUri(null))).ShouldBe(HttpStatusCode.Forbidden);
        (await QuorraSteps.RefusedHandshakeAsync(_host.QuorraSocketUri("garbage"))).ShouldBe(HttpStatusCode.Unauthorized);
        await (await _host.QuorraAsync(HttpMethod.Get, "/ws", null)).ShouldBeQuorraErrorAsync(HttpStatusCode.BadRequest);

        await using var socket = await _host.QuorraConnectAsync(user);
        await socket.SendTextAsync("{not json");
        var reply = await socket.NextAsync();
        reply.Type().ShouldBe("error");
        reply.Str("error").ShouldNotBeNullOrWhiteSpace();
    }
}

/// <summary>A clean stop closes open Quorra sockets with 1001 (going away).</summary>
public sealed class QuorraSocketShutdownTests
{
    [Fact]
    public async Task Stopping_ClosesQuorraSocketsWith1001()
    {
        var host = await TestHost.StartAsync();
        var user = await host.QuorraRegisterAsync();
        await using var socket = await host.QuorraConnectAsync(user);
        (await socket.DrainAsync()).ShouldBeEmpty();

        await host.DisposeAsync();

        await socket.Closed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        socket.CloseStatus.ShouldBe(System.Net.WebSockets.WebSocketCloseStatus.EndpointUnavailable);
    }
}
