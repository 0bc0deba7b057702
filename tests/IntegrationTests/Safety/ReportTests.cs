using System.Net;
using Dapper;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Safety;

/// <summary>
/// Reports over REST: stored once per reporter, target and session; three reporters who had contact suspend the
/// target, whose joins are then refused with the time the suspension ends (socket <c>error</c>, REST 403); reports
/// from accounts that never met the target suspend nobody; a moderator lists the reports and lifts the suspension.
/// </summary>
public sealed class ReportTests : HostPerTest
{
    private async Task<(TestUser Target, TestUser[] Reporters)> TargetWithThreeContactsAsync()
    {
        var target = await Host.RegisterAsync("Target");
        var reporters = new TestUser[3];
        for (var i = 0; i < reporters.Length; i++)
        {
            reporters[i] = await Host.RegisterAsync($"Reporter{i}");
            await Host.PastSessionAsync(target, reporters[i]);
        }

        return (target, reporters);
    }

    [Fact]
    public async Task ThreeReports_SuspendTheUser_AndTheirJoinsAreRefusedWithTheMessage()
    {
        var (target, reporters) = await TargetWithThreeContactsAsync();

        var first = await Host.ReportedAsync(reporters[0], target, new { reason = "harassment", details = "rude all call" });
        first.Keys().ShouldBe(["created_at", "details", "id", "reason", "session_id", "target_user_id"]);
        first.Str("reason").ShouldBe("harassment");
        first.Str("details").ShouldBe("rude all call");
        first.Str("target_user_id").ShouldBe(target.IdText);
        await Host.ReportedAsync(reporters[1], target, new { reason = "inappropriate" });
        (await Host.SuspendedUntilAsync(target)).ShouldBeNull("two reporters are below the threshold");

        var before = DateTime.UtcNow;
        await Host.ReportedAsync(reporters[2], target, new { reason = "spam" });

        var until = (await Host.SuspendedUntilAsync(target)).ShouldNotBeNull();
        until.ShouldBeInRange(before.AddDays(7).AddMinutes(-1), DateTime.UtcNow.AddDays(7).AddMinutes(1));
        var message = await Host.SuspensionMessageAsync(target);

        await using var ws = await Host.ConnectAsync(target);
        await ws.SendAsync(new { type = "join_queue", data = new { mode = "roulette" } });
        (await ws.NextAsync()).GetRawText().ShouldBe($$"""{"type":"error","message":"{{message}}"}""");
        await ws.SendAsync(new { type = "join_queue", data = new { mode = "level_filter", level_filter = 6.5 } });
        (await ws.NextAsync()).Str("message").ShouldBe(message);

        await (await Host.SendAsync(HttpMethod.Post, "/queue/roulette", target)).ShouldBeDetailAsync(HttpStatusCode.Forbidden, message);
        await (await Host.SendAsync(HttpMethod.Post, "/queue/level-filter", target, new { level_filter = 6.0 }))
            .ShouldBeDetailAsync(HttpStatusCode.Forbidden, message);
        (await Host.IsQueuedAsync(target)).ShouldBeFalse();
    }

    [Fact]
    public async Task ASuspendedUser_CannotInvite_NorBeInvited()
    {
        var (target, reporters) = await TargetWithThreeContactsAsync();
        var partner = await Host.RegisterAsync();
        await Host.MakePartnersAsync(target, partner);
        foreach (var reporter in reporters) await Host.ReportedAsync(reporter, target);
        var message = await Host.SuspensionMessageAsync(target);
        await using var wsTarget = await Host.OnlineAsync(target);
        await using var wsPartner = await Host.OnlineAsync(partner);

        await wsTarget.SendAsync(new { type = "invite_partner", data = new { partner_user_id = partner.IdText } });
        (await wsTarget.NextAsync()).GetRawText().ShouldBe($$"""{"type":"invite_error","message":"{{message}}"}""");
        await wsPartner.SendAsync(new { type = "invite_partner", data = new { partner_user_id = target.IdText } });
        (await wsPartner.NextAsync()).GetRawText().ShouldBe("""{"type":"invite_error","message":"This user cannot be invited right now"}""");
        (await wsTarget.DrainAsync()).ShouldBeEmpty();
        (await wsPartner.DrainAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task ReportsFromAccountsThatNeverMetTheUser_AreStoredButSuspendNobody()
    {
        var target = await Host.RegisterAsync();
        var moderator = await Host.RegisterAsync();
        await Host.MakeAdminAsync(moderator);
        for (var i = 0; i < 4; i++) await Host.ReportedAsync(await Host.RegisterAsync(), target);

        (await Host.SuspendedUntilAsync(target)).ShouldBeNull();
        await using var ws = await Host.ConnectAsync(target);
        await ws.SendAsync(new { type = "join_queue", data = new { mode = "roulette" } });
        (await ws.WaitForAsync("queue_joined")).GetProperty("data").Str("mode").ShouldBe("roulette");

        var listed = await (await Host.SendAsync(HttpMethod.Get, $"/admin/reports?target_user_id={target.Id}", moderator)).ReadJsonAsync();
        listed.GetArrayLength().ShouldBe(4);
        listed.EnumerateArray().ShouldAllBe(r => !r.GetProperty("counted").GetBoolean());
    }

    [Fact]
    public async Task ContactThroughAPartnerRequestOrAnInvitationFromTheUser_Counts()
    {
        var target = await Host.RegisterAsync();
        var requested = await Host.RegisterAsync();
        var invited = await Host.RegisterAsync();
        var met = await Host.RegisterAsync();
        await Host.SendPartnerRequestAsync(target, requested); // never answered
        await Host.MakePartnersAsync(invited, target); // the reporter asked; then the target invited them
        await using (var wsTarget = await Host.OnlineAsync(target))
        await using (var wsInvited = await Host.OnlineAsync(invited))
        {
            await wsTarget.SendAsync(new { type = "invite_partner", data = new { partner_user_id = invited.IdText } });
            await wsTarget.WaitForAsync("invite_sent");
        }

        await Host.PastSessionAsync(met, target);

        await Host.ReportedAsync(requested, target);
        await Host.ReportedAsync(invited, target);
        (await Host.SuspendedUntilAsync(target)).ShouldBeNull();
        await Host.ReportedAsync(met, target);
        (await Host.SuspendedUntilAsync(target)).ShouldNotBeNull();
    }

    [Fact]
    public async Task AReport_IsStoredOncePerReporterUserAndSession()
    {
        var target = await Host.RegisterAsync();
        var me = await Host.RegisterAsync();
        var ours = await Host.PastSessionAsync(me, target);
        var theirs = await Host.PastSessionAsync(target, await Host.RegisterAsync());

        await Host.ReportedAsync(me, target);
        await (await Host.ReportAsync(me, target, new { reason = "other" }))
            .ShouldBeDetailAsync(HttpStatusCode.BadRequest, "You have already reported this user");
        (await Host.ReportedAsync(me, target, new { reason = "no_show", session_id = ours })).Str("session_id").ShouldBe(ours.ToString());
        await (await Host.ReportAsync(me, target, new { reason = "spam", session_id = ours }))
            .ShouldBeDetailAsync(HttpStatusCode.BadRequest, "You have already reported this user for this session");
        await (await Host.ReportAsync(me, target, new { reason = "spam", session_id = theirs }))
            .ShouldBeDetailAsync(HttpStatusCode.NotFound, "Session not found");

        await using var db = await Host.OpenDbAsync();
        (await db.ExecuteScalarAsync<long>("SELECT count(*) FROM reports WHERE reporter_id = @Id", new { me.Id })).ShouldBe(2);
    }

    [Fact]
    public async Task BadReports_AreRefusedInTheContractsShapes()
    {
        var target = await Host.RegisterAsync();
        var me = await Host.RegisterAsync();

        await (await Host.ReportAsync(me, me, new { reason = "spam" })).ShouldBeDetailAsync(HttpStatusCode.BadRequest, "You cannot report yourself");
        await (await Host.SendAsync(HttpMethod.Post, $"/users/{Guid.NewGuid()}/report", me, new { reason = "spam" }))
            .ShouldBeDetailAsync(HttpStatusCode.NotFound, "User not found");
        var reason = await (await Host.ReportAsync(me, target, new { reason = "rude" })).ShouldBeValidationErrorAsync("enum", "body", "reason");
        reason.Str("msg").ShouldBe("Input should be 'harassment', 'inappropriate', 'spam', 'no_show' or 'other'");
        await (await Host.ReportAsync(me, target, new { })).ShouldBeValidationErrorAsync("missing", "body", "reason");
        await (await Host.ReportAsync(me, target, new { reason = "spam", details = new string('x', 1001) }))
            .ShouldBeValidationErrorAsync("string_too_long", "body", "details");
        await (await Host.ReportAsync(me, target, new { reason = "spam", session_id = "nope" }))
            .ShouldBeValidationErrorAsync("uuid_parsing", "body", "session_id");
        await (await Host.SendAsync(HttpMethod.Post, $"/users/{target.Id}/report", me)).ShouldBeValidationErrorAsync("missing", "body");
    }

    [Fact]
    public async Task AModerator_ListsTheReports_AndLiftsTheSuspension_AfterWhichTheUserJoins()
    {
        var (target, reporters) = await TargetWithThreeContactsAsync();
        foreach (var reporter in reporters) await Host.ReportedAsync(reporter, target);
        var moderator = await Host.RegisterAsync("Mod");
        await Host.MakeAdminAsync(moderator);

        var open = await (await Host.SendAsync(HttpMethod.Get, "/admin/reports?suspended_only=true", moderator)).ReadJsonAsync();
        open.GetArrayLength().ShouldBe(3);
        open[0].Keys().ShouldBe(["counted", "created_at", "details", "id", "reason", "reporter_id", "reporter_username", "resolved_at",
            "session_id", "target_suspended_until", "target_user_id", "target_username"]);
        open.EnumerateArray().ShouldAllBe(r => r.Str("target_user_id") == target.IdText && r.GetProperty("counted").GetBoolean());
        open[0].Str("reporter_id").ShouldBe(reporters[2].IdText, "newest first");

        var lifted = await Host.SendAsync(HttpMethod.Post, $"/admin/users/{target.Id}/lift-suspension", moderator);
        lifted.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await lifted.ReadJsonAsync()).GetRawText().ShouldBe($$"""{"user_id":"{{target.IdText}}","suspended_until":null,"resolved_reports":3}""");

        (await Host.SuspendedUntilAsync(target)).ShouldBeNull();
        (await (await Host.SendAsync(HttpMethod.Get, "/admin/reports?suspended_only=true", moderator)).ReadJsonAsync()).GetArrayLength().ShouldBe(0);
        var all = await (await Host.SendAsync(HttpMethod.Get, $"/admin/reports?target_user_id={target.Id}", moderator)).ReadJsonAsync();
        all.EnumerateArray().ShouldAllBe(r => r.GetProperty("resolved_at").ValueKind == System.Text.Json.JsonValueKind.String);
        await using var ws = await Host.ConnectAsync(target);
        await ws.SendAsync(new { type = "join_queue", data = new { mode = "roulette" } });
        await ws.WaitForAsync("queue_joined");

        // The resolved reports never count again: one new report is one, not four.
        await Host.ReportedAsync(reporters[0], target, new { reason = "spam", session_id = await Host.PastSessionAsync(target, reporters[0]) });
        (await Host.SuspendedUntilAsync(target)).ShouldBeNull();
        await (await Host.SendAsync(HttpMethod.Post, $"/admin/users/{target.Id}/lift-suspension", moderator))
            .ShouldBeDetailAsync(HttpStatusCode.BadRequest, "User is not suspended");
    }

    [Fact]
    public async Task NonModerators_Get403_FromEveryAdminRoute()
    {
        var (target, reporters) = await TargetWithThreeContactsAsync();
        foreach (var reporter in reporters) await Host.ReportedAsync(reporter, target);

        await (await Host.SendAsync(HttpMethod.Get, "/admin/reports", reporters[0])).ShouldBeDetailAsync(HttpStatusCode.Forbidden, "Admin access required");
        await (await Host.SendAsync(HttpMethod.Post, $"/admin/users/{target.Id}/lift-suspension", target))
            .ShouldBeDetailAsync(HttpStatusCode.Forbidden, "Admin access required");
        (await Host.SuspendedUntilAsync(target)).ShouldNotBeNull();
        await (await Host.SendAsync(HttpMethod.Get, "/admin/reports", null)).ShouldBeUnauthorizedAsync("Not authenticated");
    }
}
