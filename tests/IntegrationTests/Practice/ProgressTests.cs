using System.Net;
using System.Text.Json;
using Dapper;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Practice;

/// <summary>GET /users/me/progress: averages, the measured band and its thresholds, the weekly trend, self-reported against measured.</summary>
public sealed class ProgressTests : IClassFixture<HostFixture>
{
    private readonly TestHost _host;

    public ProgressTests(HostFixture fixture) => _host = fixture.Host;

    /// <summary>A 10-minute session that ended <paramref name="daysAgo"/> days ago, then <paramref name="rater"/> rates <paramref name="rated"/>.</summary>
    private async Task RatedAsync(TestUser rater, TestUser rated, double fc, double lr, double gra, double p, double daysAgo = 0)
    {
        var session = await _host.EndedSessionAsync(rater, rated, TimeSpan.FromMinutes(10), DateTime.UtcNow.AddDays(-daysAgo).AddMinutes(-30));
        var response = await _host.SendAsync(HttpMethod.Post, $"/sessions/{session}/feedback", rater,
            new { fluency_coherence = fc, lexical_resource = lr, grammatical_range_accuracy = gra, pronunciation = p });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        if (daysAgo > 0)
        {
            await using var db = await _host.OpenDbAsync();
            await db.ExecuteAsync("UPDATE peer_feedback SET created_at = created_at - make_interval(secs => @seconds) WHERE session_id = @session",
                new { seconds = daysAgo * 86400, session });
        }
    }

    [Fact]
    public async Task ANewUser_HasEveryKey_WithNothingMeasuredYet()
    {
        var me = await _host.RegisterAsync(level: 6.5, target: 7.5);

        var progress = await _host.GetOkAsync(me, "/users/me/progress");

        progress.GetRawText().ShouldBe("""
            {"window_days":90,"ratings_count":0,"raters_count":0,"criteria":null,"measured_band":null,"min_ratings":3,"min_raters":2,"weekly":[],"self_reported_level":6.5,"target_score":7.5,"level_difference":null,"level_source":"self","effective_level":6.5}
            """.Trim());
    }

    [Fact]
    public async Task TheMeasuredBand_AppearsWithThreeRatingsFromTwoRaters()
    {
        var me = await _host.RegisterAsync(level: 7.0);
        var ann = await _host.RegisterAsync();
        var bob = await _host.RegisterAsync();

        await RatedAsync(ann, me, 6.0, 6.0, 5.5, 6.5);
        await RatedAsync(ann, me, 6.5, 6.0, 6.0, 7.0);
        var two = await _host.GetOkAsync(me, "/users/me/progress");
        (two.GetProperty("ratings_count").GetInt32(), two.GetProperty("raters_count").GetInt32()).ShouldBe((2, 1));
        two.GetProperty("measured_band").ValueKind.ShouldBe(JsonValueKind.Null);
        two.GetProperty("criteria").GetProperty("fluency_coherence").GetDouble().ShouldBe(6.25);

        await RatedAsync(ann, me, 6.5, 6.5, 6.0, 6.5);
        (await _host.GetOkAsync(me, "/users/me/progress")).GetProperty("measured_band").ValueKind.ShouldBe(JsonValueKind.Null); // one rater

        await RatedAsync(bob, me, 6.5, 6.5, 6.5, 6.5);
        var measured = await _host.GetOkAsync(me, "/users/me/progress");
        (measured.GetProperty("ratings_count").GetInt32(), measured.GetProperty("raters_count").GetInt32()).ShouldBe((4, 2));
        measured.GetProperty("criteria").GetRawText()
            .ShouldBe("""{"fluency_coherence":6.38,"lexical_resource":6.25,"grammatical_range_accuracy":6,"pronunciation":6.63}""");
        measured.GetProperty("measured_band").GetDouble().ShouldBe(6.5); // mean of the averages 6.3125
        measured.GetProperty("self_reported_level").GetDouble().ShouldBe(7.0);
        measured.GetProperty("level_difference").GetDouble().ShouldBe(-0.5);
        measured.Str("level_source").ShouldBe("self");
        measured.GetProperty("effective_level").GetDouble().ShouldBe(7.0);
        var week = measured.GetProperty("weekly").EnumerateArray().ShouldHaveSingleItem();
        week.Keys().ShouldBe(["band", "criteria", "iso_week", "ratings_count", "week_start"]);
        week.GetProperty("ratings_count").GetInt32().ShouldBe(4);
        week.Str("iso_week").ShouldMatch(@"^\d{4}-W\d{2}$");
    }

    [Fact]
    public async Task OnlyRatingsOfTheLastNinetyDaysCount_AndTheTrendIsPerWeek()
    {
        var me = await _host.RegisterAsync();
        var ann = await _host.RegisterAsync();
        var bob = await _host.RegisterAsync();

        await RatedAsync(ann, me, 9, 9, 9, 9, daysAgo: 100);
        await RatedAsync(ann, me, 5, 5, 5, 5, daysAgo: 21);
        await RatedAsync(bob, me, 6, 6, 6, 6, daysAgo: 14);
        await RatedAsync(bob, me, 7, 7, 7, 7);

        var progress = await _host.GetOkAsync(me, "/users/me/progress");

        progress.GetProperty("ratings_count").GetInt32().ShouldBe(3);
        progress.GetProperty("measured_band").GetDouble().ShouldBe(6.0);
        progress.GetProperty("weekly").EnumerateArray().Select(w => w.GetProperty("band").GetDouble()).ShouldBe([5.0, 6.0, 7.0]);
        progress.GetProperty("weekly").EnumerateArray().Select(w => w.Str("week_start")).ShouldBeInOrder();
    }

    [Fact]
    public async Task TheProgressPath_IsNotTakenForAUserId()
    {
        var me = await _host.RegisterAsync();

        (await _host.GetOkAsync(me, "/users/me/progress")).GetProperty("window_days").GetInt32().ShouldBe(90);
        await (await _host.SendAsync(HttpMethod.Get, "/users/me", me)).ShouldBeValidationErrorAsync("uuid_parsing", "path", "user_id");
        await (await _host.SendAsync(HttpMethod.Get, "/users/me/progress", null)).ShouldBeUnauthorizedAsync("Not authenticated");
    }
}
