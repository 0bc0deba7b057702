using System.Net;
using System.Text.Json;
using Dapper;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Practice;

/// <summary>POST /sessions/{session_id}/feedback against the real service: every rule of issue 18, and the socket notice.</summary>
public sealed class FeedbackEndpointTests : IClassFixture<HostFixture>
{
    private readonly TestHost _host;

    public FeedbackEndpointTests(HostFixture fixture) => _host = fixture.Host;

    [Fact]
    public async Task AParticipant_RatesThePartnerOnce_AndTheOnlinePartnerIsTold()
    {
        var a = await _host.RegisterAsync();
        var b = await _host.RegisterAsync();
        var session = await _host.EndedSessionAsync(a, b, TimeSpan.FromMinutes(12));
        await using var wb = await _host.ConnectAsync(b);

        var response = await _host.SendAsync(HttpMethod.Post, $"/sessions/{session}/feedback", a, new
        {
            fluency_coherence = 6.5, lexical_resource = "6", grammatical_range_accuracy = 6, pronunciation = 7.0, comment = "Natural pace; try more linking words.",
        });

        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var body = await response.ReadJsonAsync();
        body.Keys().ShouldBe(["comment", "created_at", "fluency_coherence", "from_user_id", "grammatical_range_accuracy", "id", "lexical_resource",
            "overall_band", "pronunciation", "session_id", "to_user_id"]);
        body.Str("from_user_id").ShouldBe(a.IdText);
        body.Str("to_user_id").ShouldBe(b.IdText);
        body.Str("session_id").ShouldBe(session.ToString());
        body.GetProperty("lexical_resource").GetDouble().ShouldBe(6.0);
        body.GetProperty("overall_band").GetDouble().ShouldBe(6.5); // mean 6.375
        body.Str("created_at").ShouldMatch(Wire.Timestamp().ToString());

        var notice = await wb.WaitForAsync("feedback_received");
        notice.Keys().ShouldBe(["data", "type"]);
        notice.GetProperty("data").GetRawText().ShouldBe(body.GetRawText());

        await (await _host.RateAsync(a, session)).ShouldBeDetailAsync(HttpStatusCode.BadRequest, "Feedback already given for this session");
        await _host.RateOkAsync(b, session, 7.0); // the other side may still rate
    }

    [Fact]
    public async Task ARatedUserWhoIsOffline_IsSimplyNotTold()
    {
        var a = await _host.RegisterAsync();
        var b = await _host.RegisterAsync();
        var session = await _host.EndedSessionAsync(a, b, TimeSpan.FromMinutes(5));

        await _host.RateOkAsync(b, session, 5.5);

        await using var db = await _host.OpenDbAsync();
        (await db.ExecuteScalarAsync<int>("SELECT count(*) FROM peer_feedback WHERE session_id = @session AND rated_id = @Id", new { session, a.Id }))
            .ShouldBe(1);
    }

    [Fact]
    public async Task ANonParticipant_GetsNotFound()
    {
        var a = await _host.RegisterAsync();
        var b = await _host.RegisterAsync();
        var outsider = await _host.RegisterAsync();
        var session = await _host.EndedSessionAsync(a, b, TimeSpan.FromMinutes(10));

        await (await _host.RateAsync(outsider, session)).ShouldBeDetailAsync(HttpStatusCode.NotFound, "Session not found");
        await (await _host.RateAsync(a, Guid.NewGuid())).ShouldBeDetailAsync(HttpStatusCode.NotFound, "Session not found");
    }

    [Theory]
    [InlineData(119, "completed", "ended")]
    [InlineData(30, "cancelled", "no_reconnect")]
    [InlineData(1, "cancelled", "resume_failed")]
    public async Task AShortOrBrokenCall_CannotBeRated(int seconds, string status, string reason)
    {
        var a = await _host.RegisterAsync();
        var b = await _host.RegisterAsync();
        var session = await _host.EndedSessionAsync(a, b, TimeSpan.FromSeconds(seconds), status: status, endReason: reason);

        await (await _host.RateAsync(a, session)).ShouldBeDetailAsync(HttpStatusCode.BadRequest, "Session too short for feedback");
    }

    [Fact]
    public async Task AnActiveSession_CannotBeRatedYet()
    {
        var a = await _host.RegisterAsync();
        var b = await _host.RegisterAsync();
        var session = await _host.StartAsync(a, b);

        await (await _host.RateAsync(b, session)).ShouldBeDetailAsync(HttpStatusCode.BadRequest, "Feedback opens when the session has ended");
    }

    [Fact]
    public async Task ACallEndedByABlock_CannotBeRated()
    {
        var a = await _host.RegisterAsync();
        var b = await _host.RegisterAsync();
        var session = await _host.EndedSessionAsync(a, b, TimeSpan.FromMinutes(20), endReason: "blocked");

        await (await _host.RateAsync(b, session)).ShouldBeDetailAsync(HttpStatusCode.BadRequest, "Feedback is not possible for this session");
    }

    [Theory]
    [InlineData(0.5, "greater_than_equal")]
    [InlineData(9.5, "less_than_equal")]
    [InlineData(6.3, "multiple_of")]
    [InlineData(-1, "greater_than_equal")]
    public async Task AScoreOutOfRangeOrBetweenHalfBands_Is422(double score, string type)
    {
        var a = await _host.RegisterAsync();
        var b = await _host.RegisterAsync();
        var session = await _host.EndedSessionAsync(a, b, TimeSpan.FromMinutes(10));

        var response = await _host.SendAsync(HttpMethod.Post, $"/sessions/{session}/feedback", a, new
        {
            fluency_coherence = 6.0, lexical_resource = 6.0, grammatical_range_accuracy = 6.0, pronunciation = score,
        });

        await response.ShouldBeValidationErrorAsync(type, "body", "pronunciation");
        await using var db = await _host.OpenDbAsync();
        (await db.ExecuteScalarAsync<int>("SELECT count(*) FROM peer_feedback WHERE session_id = @session", new { session })).ShouldBe(0);
    }

    [Fact]
    public async Task BadBodiesAndPaths_Are422_AndNoTokenIs401()
    {
        var a = await _host.RegisterAsync();
        var b = await _host.RegisterAsync();
        var session = await _host.EndedSessionAsync(a, b, TimeSpan.FromMinutes(10));
        var path = $"/sessions/{session}/feedback";

        (await (await _host.SendAsync(HttpMethod.Post, path, a, new { })).ValidationLocsAsync()).ShouldBe([
            """missing ["body","fluency_coherence"]""", """missing ["body","lexical_resource"]""",
            """missing ["body","grammatical_range_accuracy"]""", """missing ["body","pronunciation"]""",
        ]);
        await (await _host.SendAsync(HttpMethod.Post, path, a)).ShouldBeValidationErrorAsync("missing", "body");
        await (await _host.SendAsync(HttpMethod.Post, path, a, new
        {
            fluency_coherence = 6, lexical_resource = 6, grammatical_range_accuracy = 6, pronunciation = 6, comment = new string('x', 1001),
        })).ShouldBeValidationErrorAsync("string_too_long", "body", "comment");
        await (await _host.SendAsync(HttpMethod.Post, "/sessions/xyz/feedback", a, new { }))
            .ShouldBeValidationErrorAsync("uuid_parsing", "path", "session_id");
        await (await _host.Http.SendAsync(Wire.Raw(HttpMethod.Post, path, $"Bearer {a.Token}", "{\"fluency_coherence\":")))
            .ShouldBeValidationErrorAsync("json_invalid", "body", 21);
        await (await _host.SendAsync(HttpMethod.Post, path, null, new { })).ShouldBeUnauthorizedAsync("Not authenticated");
    }

    [Fact]
    public async Task AJsonNullComment_IsNoComment()
    {
        var a = await _host.RegisterAsync();
        var b = await _host.RegisterAsync();
        var session = await _host.EndedSessionAsync(a, b, TimeSpan.FromMinutes(10));

        var response = await _host.SendAsync(HttpMethod.Post, $"/sessions/{session}/feedback", a, new
        {
            fluency_coherence = 6, lexical_resource = 6, grammatical_range_accuracy = 6, pronunciation = 6, comment = (string?)null,
        });

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await response.ReadJsonAsync()).GetProperty("comment").ValueKind.ShouldBe(JsonValueKind.Null);
    }
}
