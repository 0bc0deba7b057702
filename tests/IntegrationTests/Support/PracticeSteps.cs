using System.Net;
using System.Text.Json;
using Dapper;

namespace Speaking.IntegrationTests.Support;

/// <summary>Steps shared by the practice suites: a real match over the socket, and ended sessions written straight to the database.</summary>
public static class PracticeSteps
{
    public sealed record Match(WsClient First, WsClient Second, Guid SessionId, JsonElement FirstData, JsonElement SecondData) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await First.DisposeAsync();
            await Second.DisposeAsync();
        }
    }

    /// <summary>Both users connect and join roulette (<paramref name="first"/> first, so the initiator); returns both matched data.</summary>
    public static async Task<Match> MatchAsync(this TestHost host, TestUser first, TestUser second)
    {
        var w1 = await host.ConnectAsync(first);
        var w2 = await host.ConnectAsync(second);
        await w1.SendAsync(new { type = "join_queue", data = new { mode = "roulette" } });
        (await w1.WaitForAsync("queue_joined")).Type().ShouldBe("queue_joined");
        await w2.SendAsync(new { type = "join_queue", data = new { mode = "roulette" } });
        (await w2.WaitForAsync("queue_joined")).Type().ShouldBe("queue_joined");
        var d1 = (await w1.WaitForAsync("matched")).GetProperty("data");
        var d2 = (await w2.WaitForAsync("matched")).GetProperty("data");
        return new Match(w1, w2, Guid.Parse(d1.Str("session_id")), d1, d2);
    }

    /// <summary>A session that ran from <paramref name="started"/> for <paramref name="length"/> and ended normally (completed, ended by user1).</summary>
    public static async Task<Guid> EndedSessionAsync(this TestHost host, TestUser user1, TestUser user2, TimeSpan length,
        DateTime? started = null, string status = "completed", string endReason = "ended")
    {
        var id = Guid.NewGuid();
        var start = started ?? DateTime.UtcNow - length - TimeSpan.FromMinutes(1);
        await using var db = await host.OpenDbAsync();
        await db.ExecuteAsync("""
            INSERT INTO sessions (id, user1_id, user2_id, mode, room_id, status, started_at, ended_at, end_reason, ended_by)
            VALUES (@id, @a, @b, 'roulette', @room, @status, @start, @end, @endReason, CASE WHEN @endReason = 'ended' THEN @a END)
            """, new { id, a = user1.Id, b = user2.Id, room = "room_" + Guid.NewGuid().ToString("N")[..12], status, start, end = start + length, endReason });
        return id;
    }

    public static async Task<HttpResponseMessage> RateAsync(this TestHost host, TestUser rater, Guid sessionId, double score = 6.5,
        string? comment = null) =>
        await host.SendAsync(HttpMethod.Post, $"/sessions/{sessionId}/feedback", rater, new
        {
            fluency_coherence = score, lexical_resource = score, grammatical_range_accuracy = score, pronunciation = score, comment,
        });

    public static async Task RateOkAsync(this TestHost host, TestUser rater, Guid sessionId, double score)
    {
        var response = await host.RateAsync(rater, sessionId, score);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    public static async Task<JsonElement> GetOkAsync(this TestHost host, TestUser user, string path)
    {
        var response = await host.SendAsync(HttpMethod.Get, path, user);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.ReadJsonAsync();
    }

    /// <summary>The shape of <c>matched.data.practice</c> and <c>GET /sessions/{id}/practice</c>.</summary>
    public static void ShouldBeAPracticePayload(this JsonElement practice)
    {
        practice.Keys().ShouldBe(["card", "part1_questions"]);
        var card = practice.GetProperty("card");
        card.Keys().ShouldBe(["bullets", "id", "part3_questions", "theme", "topic", "version"]);
        card.Str("id").ShouldStartWith("card-");
        card.GetProperty("version").GetInt32().ShouldBeGreaterThanOrEqualTo(1);
        card.Str("topic").ShouldStartWith("Describe ");
        card.GetProperty("bullets").GetArrayLength().ShouldBeInRange(3, 4);
        card.GetProperty("part3_questions").GetArrayLength().ShouldBeInRange(4, 6);
        var questions = practice.GetProperty("part1_questions").EnumerateArray().ToArray();
        questions.Length.ShouldBe(3);
        questions.Select(q => q.Str("id")).Distinct().Count().ShouldBe(3);
        questions.Select(q => q.Str("theme")).Distinct().Count().ShouldBe(1);
        questions.ShouldAllBe(q => q.Str("question").EndsWith('?'));
    }
}
