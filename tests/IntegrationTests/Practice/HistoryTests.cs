using System.Net;
using System.Text.Json;
using Dapper;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Practice;

/// <summary>GET /sessions/history and GET /sessions/{id}: the caller's calls, newest first, with the stored chat for the two participants only.</summary>
public sealed class HistoryTests : IClassFixture<HostFixture>
{
    private readonly TestHost _host;

    public HistoryTests(HostFixture fixture) => _host = fixture.Host;

    [Fact]
    public async Task ARealCall_ShowsUpInBothHistories_WithItsCardTheWayItEndedAndItsTranscript()
    {
        var a = await _host.RegisterAsync("Aziza");
        var b = await _host.RegisterAsync("Bekzod");
        var stranger = await _host.RegisterAsync();
        await using var match = await _host.MatchAsync(a, b);
        var session = match.SessionId.ToString();

        await match.First.SendAsync(new { type = "chat", data = new { target_user_id = b.IdText, message = "Shall we start with Part 1?" } });
        (await match.Second.WaitForAsync("chat")).Str("message").ShouldBe("Shall we start with Part 1?");
        await match.Second.SendAsync(new { type = "chat", data = new { target_user_id = a.IdText, message = "Yes — ask me about my hometown." } });
        (await match.First.WaitForAsync("chat")).Str("message").ShouldBe("Yes — ask me about my hometown.");
        await match.First.SendAsync(new { type = "end_session", data = new { session_id = session } });
        await match.Second.WaitForAsync("session_ended");

        var history = (await _host.GetOkAsync(a, "/sessions/history")).EnumerateArray().ToArray();
        var item = history.ShouldHaveSingleItem();
        item.Keys().ShouldBe(["card", "duration_seconds", "end_reason", "ended_at", "ended_by", "feedback_given", "feedback_received", "mode",
            "partner_id", "partner_username", "session_id", "started_at", "status"]);
        item.Str("session_id").ShouldBe(session);
        item.Str("partner_id").ShouldBe(b.IdText);
        item.Str("partner_username").ShouldBe("Bekzod");
        item.Str("mode").ShouldBe("roulette");
        item.Str("status").ShouldBe("completed");
        item.Str("end_reason").ShouldBe("ended");
        item.Str("ended_by").ShouldBe(a.IdText);
        item.Str("started_at").ShouldMatch(Wire.Timestamp().ToString());
        item.Str("ended_at").ShouldMatch(Wire.Timestamp().ToString());
        item.GetProperty("duration_seconds").GetInt32().ShouldBeGreaterThanOrEqualTo(0);
        item.GetProperty("card").GetRawText().ShouldBe(match.FirstData.GetProperty("practice").GetProperty("card").GetRawText());
        item.GetProperty("feedback_given").GetBoolean().ShouldBeFalse();
        item.GetProperty("feedback_received").GetBoolean().ShouldBeFalse();
        (await _host.GetOkAsync(b, "/sessions/history"))[0].Str("partner_username").ShouldBe("Aziza");

        foreach (var participant in new[] { a, b })
        {
            var detail = await _host.GetOkAsync(participant, $"/sessions/{session}");
            detail.Str("session_id").ShouldBe(session);
            detail.GetProperty("part1_questions").GetRawText()
                .ShouldBe(match.FirstData.GetProperty("practice").GetProperty("part1_questions").GetRawText());
            var transcript = detail.GetProperty("transcript").EnumerateArray().ToArray();
            transcript.Select(l => (l.Str("from_user_id"), l.Str("message"))).ShouldBe([
                (a.IdText, "Shall we start with Part 1?"),
                (b.IdText, "Yes — ask me about my hometown."),
            ]);
            transcript[0].Keys().ShouldBe(["from_user_id", "id", "message", "sent_at"]);
            transcript[0].Str("sent_at").ShouldMatch(Wire.Timestamp().ToString());
            detail.GetProperty("feedback").GetRawText().ShouldBe("""{"given":null,"received":null}""");
        }

        await (await _host.SendAsync(HttpMethod.Get, $"/sessions/{session}", stranger)).ShouldBeDetailAsync(HttpStatusCode.NotFound, "Session not found");
        (await _host.GetOkAsync(stranger, "/sessions/history")).GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task ChatBetweenUsersWithoutASession_IsNeitherRelayedNorStored()
    {
        var a = await _host.RegisterAsync();
        var b = await _host.RegisterAsync();
        await using var wa = await _host.ConnectAsync(a);

        await wa.SendAsync(new { type = "chat", data = new { target_user_id = b.IdText, message = "hello?" } });
        (await wa.NextAsync()).Str("message").ShouldBe("Not in an active session with this user");

        await using var db = await _host.OpenDbAsync();
        (await db.ExecuteScalarAsync<int>("SELECT count(*) FROM chat_messages WHERE sender_id = @Id", new { a.Id })).ShouldBe(0);
    }

    [Fact]
    public async Task History_IsNewestFirst_Paged_AndShowsFeedbackBothWays()
    {
        var me = await _host.RegisterAsync();
        var partners = new List<TestUser>();
        var sessions = new List<Guid>();
        var start = DateTime.UtcNow.AddDays(-2);
        for (var i = 0; i < 5; i++)
        {
            var partner = await _host.RegisterAsync($"partner{i}");
            partners.Add(partner);
            // Alternate sides: I am user1 in some sessions and user2 in others.
            sessions.Add(i % 2 == 0
                ? await _host.EndedSessionAsync(me, partner, TimeSpan.FromMinutes(10), start.AddHours(i))
                : await _host.EndedSessionAsync(partner, me, TimeSpan.FromMinutes(10), start.AddHours(i), status: "cancelled", endReason: "no_reconnect"));
        }

        await _host.RateOkAsync(me, sessions[4], 6.0);
        await _host.RateOkAsync(partners[3], sessions[3], 7.0);

        var all = (await _host.GetOkAsync(me, "/sessions/history")).EnumerateArray().ToArray();
        all.Select(s => s.Str("session_id")).ShouldBe(sessions.AsEnumerable().Reverse().Select(s => s.ToString()));
        all.Select(s => s.Str("partner_username")).ShouldBe(["partner4", "partner3", "partner2", "partner1", "partner0"]);
        all.Select(s => (s.GetProperty("feedback_given").GetBoolean(), s.GetProperty("feedback_received").GetBoolean()))
            .ShouldBe([(true, false), (false, true), (false, false), (false, false), (false, false)]);
        all[1].Str("status").ShouldBe("cancelled");
        all[1].Str("end_reason").ShouldBe("no_reconnect");
        all[1].GetProperty("ended_by").ValueKind.ShouldBe(JsonValueKind.Null);
        all[1].GetProperty("duration_seconds").GetInt32().ShouldBe(600);
        all[1].GetProperty("card").ValueKind.ShouldBe(JsonValueKind.Null); // written straight to the database: no card

        var page = (await _host.GetOkAsync(me, "/sessions/history?skip=1&limit=2")).EnumerateArray().Select(s => s.Str("session_id")).ToArray();
        page.ShouldBe([sessions[3].ToString(), sessions[2].ToString()]);
        (await _host.GetOkAsync(me, "/sessions/history?skip=5")).GetArrayLength().ShouldBe(0);
        (await _host.GetOkAsync(me, "/sessions/history?limit=0")).GetArrayLength().ShouldBe(0);

        var detail = await _host.GetOkAsync(me, $"/sessions/{sessions[3]}");
        detail.GetProperty("feedback").GetProperty("given").ValueKind.ShouldBe(JsonValueKind.Null);
        detail.GetProperty("feedback").GetProperty("received").Str("from_user_id").ShouldBe(partners[3].IdText);
        detail.GetProperty("transcript").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task History_RefusesBadPaging_AndIsNotTakenForASessionId()
    {
        var me = await _host.RegisterAsync();

        await (await _host.SendAsync(HttpMethod.Get, "/sessions/history?skip=-1", me)).ShouldBeValidationErrorAsync("greater_than_equal", "query", "skip");
        await (await _host.SendAsync(HttpMethod.Get, "/sessions/history?limit=lots", me)).ShouldBeValidationErrorAsync("int_parsing", "query", "limit");
        (await _host.GetOkAsync(me, "/sessions/history")).ValueKind.ShouldBe(JsonValueKind.Array);
        (await _host.GetOkAsync(me, "/sessions/history/")).ValueKind.ShouldBe(JsonValueKind.Array);
        await (await _host.SendAsync(HttpMethod.Get, "/sessions/histories", me)).ShouldBeValidationErrorAsync("uuid_parsing", "path", "session_id");
        await (await _host.SendAsync(HttpMethod.Get, $"/sessions/{Guid.NewGuid()}", me)).ShouldBeDetailAsync(HttpStatusCode.NotFound, "Session not found");
        await (await _host.SendAsync(HttpMethod.Get, "/sessions/history", null)).ShouldBeUnauthorizedAsync("Not authenticated");
    }
}
