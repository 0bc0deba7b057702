using System.Net;
using System.Text.Json;
using Dapper;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests;

/// <summary>Contract 3.6 with D-11, D-12 and D-29: search, requests, decisions, partner list and removal.</summary>
public sealed class PartnerEndpointsTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private const string AlreadySent = "So'rov allaqachon yuborilgan";
    private readonly TestHost _host = fixture.Host;

    private static string Tag() => "t" + Guid.NewGuid().ToString("N")[..10];

    private async Task<List<JsonElement>> SearchAsync(TestUser caller, string q)
    {
        var response = await _host.SendAsync(HttpMethod.Get, "/partners/search?q=" + Uri.EscapeDataString(q), caller);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.ReadJsonAsync()).EnumerateArray().ToList();
    }

    private Task<HttpResponseMessage> RequestAsync(TestUser from, object toUserId) =>
        _host.SendAsync(HttpMethod.Post, "/partners/request", from, new { to_user_id = toUserId });

    private Task<HttpResponseMessage> DecideAsync(TestUser caller, string requestId, string decision) =>
        _host.SendAsync(HttpMethod.Post, $"/partners/requests/{requestId}/{decision}", caller);

    private async Task<string> StatusOfAsync(string requestId)
    {
        await using var db = await _host.OpenDbAsync();
        return await db.ExecuteScalarAsync<string>("SELECT status FROM partner_requests WHERE id = @id::uuid", new { id = requestId }) ?? "none";
    }

    private async Task<long> PartnershipsBetweenAsync(TestUser a, TestUser b)
    {
        await using var db = await _host.OpenDbAsync();
        return await db.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM partnerships WHERE (user1_id = @a AND user2_id = @b) OR (user1_id = @b AND user2_id = @a)", new { a = a.Id, b = b.Id });
    }

    [Fact]
    public async Task Search_WithoutQ_Is422MissingAtQuery()
    {
        var caller = await _host.RegisterAsync();

        await (await _host.SendAsync(HttpMethod.Get, "/partners/search", caller)).ShouldBeValidationErrorAsync("missing", "query", "q");
    }

    [Fact]
    public async Task Search_WithOneCharacter_Is422StringTooShort()
    {
        var caller = await _host.RegisterAsync();

        var item = await (await _host.SendAsync(HttpMethod.Get, "/partners/search?q=a", caller)).ShouldBeValidationErrorAsync("string_too_short", "query", "q");
        item.GetProperty("ctx").GetProperty("min_length").GetInt32().ShouldBe(2);
    }

    [Fact]
    public async Task Search_IsCaseInsensitive_ExcludesTheCaller_AndHasTheResultShape()
    {
        var tag = Tag();
        var caller = await _host.RegisterAsync("me" + tag);
        var match = await _host.RegisterAsync("Alpha" + tag.ToUpperInvariant(), 7.5);
        await _host.RegisterAsync("unrelated" + Tag());

        var results = await SearchAsync(caller, tag);

        var found = results.ShouldHaveSingleItem();
        found.Keys().ShouldBe(["current_level", "has_pending_request", "id", "is_online", "is_partner", "username"]);
        found.Str("id").ShouldBe(match.IdText);
        found.Str("username").ShouldBe(match.Username);
        found.GetProperty("current_level").GetDouble().ShouldBe(7.5);
        found.GetProperty("is_online").GetBoolean().ShouldBeFalse();
        found.GetProperty("is_partner").GetBoolean().ShouldBeFalse();
        found.GetProperty("has_pending_request").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task Search_ReturnsAtMost20Results()
    {
        var tag = Tag();
        var caller = await _host.RegisterAsync();
        for (var i = 0; i < 22; i++) await _host.RegisterAsync($"{tag}{i}");

        (await SearchAsync(caller, tag)).Count.ShouldBe(20);
    }

    [Fact]
    public async Task Search_TreatsPercentUnderscoreAndBackslashLiterally()
    {
        var tag = Tag();
        var caller = await _host.RegisterAsync();
        var percent = await _host.RegisterAsync($"a%b{tag}");
        var underscore = await _host.RegisterAsync($"a_b{tag}");
        var backslash = await _host.RegisterAsync($"a\\b{tag}");
        await _host.RegisterAsync($"axb{tag}");

        (await SearchAsync(caller, $"%b{tag}")).ShouldHaveSingleItem().Str("id").ShouldBe(percent.IdText);
        (await SearchAsync(caller, $"_b{tag}")).ShouldHaveSingleItem().Str("id").ShouldBe(underscore.IdText);
        (await SearchAsync(caller, $"\\b{tag}")).ShouldHaveSingleItem().Str("id").ShouldBe(backslash.IdText);
        (await SearchAsync(caller, "a%")).ShouldAllBe(r => r.Str("username").Contains("a%"));
    }

    [Fact]
    public async Task Search_DoubleUnderscore_DoesNotListEveryone()
    {
        var caller = await _host.RegisterAsync();
        var plain = await _host.RegisterAsync("plain" + Tag());
        var marked = await _host.RegisterAsync("x__" + Tag());

        var results = await SearchAsync(caller, "__");

        results.ShouldContain(r => r.Str("id") == marked.IdText);
        results.ShouldNotContain(r => r.Str("id") == plain.IdText);
        results.ShouldAllBe(r => r.Str("username").Contains("__"));
    }

    [Fact]
    public async Task Search_FlagsPendingOutgoingRequests_AndPartnerships()
    {
        var tag = Tag();
        var a = await _host.RegisterAsync("a" + tag);
        var b = await _host.RegisterAsync("b" + tag);
        var requestId = await _host.SendPartnerRequestAsync(a, b);

        var fromA = (await SearchAsync(a, "b" + tag)).ShouldHaveSingleItem();
        fromA.GetProperty("has_pending_request").GetBoolean().ShouldBeTrue();
        fromA.GetProperty("is_partner").GetBoolean().ShouldBeFalse();
        var fromB = (await SearchAsync(b, "a" + tag)).ShouldHaveSingleItem();
        fromB.GetProperty("has_pending_request").GetBoolean().ShouldBeFalse();

        await (await DecideAsync(b, requestId, "accept")).ShouldBeMessageAsync("Sherik qo'shildi!");

        foreach (var (caller, q) in new[] { (a, "b" + tag), (b, "a" + tag) })
        {
            var result = (await SearchAsync(caller, q)).ShouldHaveSingleItem();
            result.GetProperty("is_partner").GetBoolean().ShouldBeTrue();
            result.GetProperty("has_pending_request").GetBoolean().ShouldBeFalse();
        }
    }

    [Fact]
    public async Task Request_ReturnsThePendingRequestFromCallerToTarget()
    {
        var a = await _host.RegisterAsync("Asker", 6.5);
        var b = await _host.RegisterAsync("Target", 7.0);

        var response = await RequestAsync(a, b.IdText);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var request = await response.ReadJsonAsync();
        request.Keys().ShouldBe(["created_at", "from_level", "from_user_id", "from_username", "id", "status", "to_level", "to_user_id", "to_username"]);
        request.Str("id").ShouldMatch(Wire.LowercaseUuid().ToString());
        request.Str("from_user_id").ShouldBe(a.IdText);
        request.Str("from_username").ShouldBe("Asker");
        request.GetProperty("from_level").GetDouble().ShouldBe(6.5);
        request.Str("to_user_id").ShouldBe(b.IdText);
        request.Str("to_username").ShouldBe("Target");
        request.GetProperty("to_level").GetDouble().ShouldBe(7.0);
        request.Str("status").ShouldBe("pending");
        request.Str("created_at").ShouldMatch(Wire.Timestamp().ToString());
        (await StatusOfAsync(request.Str("id"))).ShouldBe("pending");
    }

    [Fact]
    public async Task Request_ToSelf_Is400()
    {
        var a = await _host.RegisterAsync();

        await (await RequestAsync(a, a.IdText)).ShouldBeDetailAsync(HttpStatusCode.BadRequest, "O'zingizga so'rov yubora olmaysiz");
        await (await RequestAsync(a, a.IdText.ToUpperInvariant())).ShouldBeDetailAsync(HttpStatusCode.BadRequest, "O'zingizga so'rov yubora olmaysiz");
    }

    [Fact]
    public async Task Request_ToUnknownUser_Is404()
    {
        var a = await _host.RegisterAsync();

        await (await RequestAsync(a, Guid.NewGuid().ToString())).ShouldBeDetailAsync(HttpStatusCode.NotFound, "Foydalanuvchi topilmadi");
    }

    [Fact]
    public async Task Request_BetweenPartners_Is400AlreadyPartners_InEitherDirection_BeforeThePendingCheck()
    {
        var a = await _host.RegisterAsync();
        var b = await _host.RegisterAsync();
        await _host.MakePartnersAsync(a, b);
        await using (var db = await _host.OpenDbAsync())
            await db.ExecuteAsync("INSERT INTO partner_requests (id, from_user_id, to_user_id) VALUES (gen_random_uuid(), @a, @b)", new { a = a.Id, b = b.Id });

        await (await RequestAsync(a, b.IdText)).ShouldBeDetailAsync(HttpStatusCode.BadRequest, "Allaqachon sheriklar");
        await (await RequestAsync(b, a.IdText)).ShouldBeDetailAsync(HttpStatusCode.BadRequest, "Allaqachon sheriklar");
    }

    [Fact]
    public async Task Request_WithAPendingRequestInEitherDirection_Is400AlreadySent()
    {
        var a = await _host.RegisterAsync();
        var b = await _host.RegisterAsync();
        await _host.SendPartnerRequestAsync(a, b);

        await (await RequestAsync(a, b.IdText)).ShouldBeDetailAsync(HttpStatusCode.BadRequest, AlreadySent);
        await (await RequestAsync(b, a.IdText)).ShouldBeDetailAsync(HttpStatusCode.BadRequest, AlreadySent);
    }

    [Fact]
    public async Task Request_InvalidBody_Is422()
    {
        var a = await _host.RegisterAsync();

        await (await RequestAsync(a, "not-a-uuid")).ShouldBeValidationErrorAsync("uuid_parsing", "body", "to_user_id");
        await (await _host.SendAsync(HttpMethod.Post, "/partners/request", a, new { })).ShouldBeValidationErrorAsync("missing", "body", "to_user_id");
        await (await _host.SendAsync(HttpMethod.Post, "/partners/request", a)).ShouldBeValidationErrorAsync("missing", "body");
    }

    [Fact]
    public async Task Request_ResentAfterRejection_IsRefusedWithinTheCooldown()
    {
        var a = await _host.RegisterAsync();
        var b = await _host.RegisterAsync();
        var requestId = await _host.SendPartnerRequestAsync(a, b);
        await (await DecideAsync(b, requestId, "reject")).ShouldBeMessageAsync("So'rov rad etildi");

        await (await RequestAsync(a, b.IdText)).ShouldBeDetailAsync(HttpStatusCode.BadRequest, AlreadySent);
    }

    [Fact]
    public async Task Request_ResentAfterRejection_IsAllowedWithoutCooldown()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["PARTNER_REQUEST_COOLDOWN_HOURS"] = "0" });
        var a = await host.RegisterAsync();
        var b = await host.RegisterAsync();
        var first = await host.SendPartnerRequestAsync(a, b);
        await (await host.SendAsync(HttpMethod.Post, $"/partners/requests/{first}/reject", b)).ShouldBeMessageAsync("So'rov rad etildi");

        var second = await host.SendPartnerRequestAsync(a, b);

        second.ShouldNotBe(first);
    }

    [Fact]
    public async Task Request_ConcurrentDuplicatesInBothDirections_LeaveExactlyOnePendingRow()
    {
        var a = await _host.RegisterAsync();
        var b = await _host.RegisterAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => i % 2 == 0 ? RequestAsync(a, b.IdText) : RequestAsync(b, a.IdText)));

        responses.Count(r => r.StatusCode == HttpStatusCode.OK).ShouldBe(1);
        foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.OK))
            await refused.ShouldBeDetailAsync(HttpStatusCode.BadRequest, AlreadySent);
        await using var db = await _host.OpenDbAsync();
        (await db.ExecuteScalarAsync<long>("""
            SELECT count(*) FROM partner_requests
            WHERE status = 'pending' AND ((from_user_id = @a AND to_user_id = @b) OR (from_user_id = @b AND to_user_id = @a))
            """, new { a = a.Id, b = b.Id })).ShouldBe(1);
    }

    [Fact]
    public async Task Incoming_ListsPendingRequestsToTheCaller_NewestFirst()
    {
        var target = await _host.RegisterAsync("Target");
        var first = await _host.RegisterAsync("First");
        var second = await _host.RegisterAsync("Second");
        var third = await _host.RegisterAsync("Third");
        var older = await _host.SendPartnerRequestAsync(first, target);
        var newer = await _host.SendPartnerRequestAsync(second, target);
        var handled = await _host.SendPartnerRequestAsync(third, target);
        await (await DecideAsync(target, handled, "reject")).ShouldBeMessageAsync("So'rov rad etildi");
        await _host.SendPartnerRequestAsync(target, await _host.RegisterAsync());

        var response = await _host.SendAsync(HttpMethod.Get, "/partners/requests/incoming", target);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var incoming = (await response.ReadJsonAsync()).EnumerateArray().ToList();
        incoming.Select(r => r.Str("id")).ShouldBe([newer, older]);
        incoming.ShouldAllBe(r => r.Str("to_user_id") == target.IdText && r.Str("to_username") == "Target" && r.Str("status") == "pending");
        incoming[0].Str("from_username").ShouldBe("Second");
    }

    [Fact]
    public async Task Accept_AddsAPartnershipWithSenderAsUser1()
    {
        var a = await _host.RegisterAsync();
        var b = await _host.RegisterAsync();
        var requestId = await _host.SendPartnerRequestAsync(a, b);

        await (await DecideAsync(b, requestId, "accept")).ShouldBeMessageAsync("Sherik qo'shildi!");

        (await StatusOfAsync(requestId)).ShouldBe("accepted");
        await using var db = await _host.OpenDbAsync();
        var row = await db.QuerySingleAsync<(Guid User1, Guid User2)>("SELECT user1_id, user2_id FROM partnerships WHERE user1_id = @a OR user2_id = @a", new { a = a.Id });
        row.ShouldBe((a.Id, b.Id));
        (await (await _host.SendAsync(HttpMethod.Get, "/partners/requests/incoming", b)).ReadJsonAsync()).GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task Reject_MarksTheRequestRejected_WithoutAPartnership()
    {
        var a = await _host.RegisterAsync();
        var b = await _host.RegisterAsync();
        var requestId = await _host.SendPartnerRequestAsync(a, b);

        await (await DecideAsync(b, requestId, "reject")).ShouldBeMessageAsync("So'rov rad etildi");

        (await StatusOfAsync(requestId)).ShouldBe("rejected");
        (await PartnershipsBetweenAsync(a, b)).ShouldBe(0);
    }

    [Theory]
    [InlineData("accept")]
    [InlineData("reject")]
    public async Task Decide_ErrorsComeInTheContractsOrder(string decision)
    {
        var a = await _host.RegisterAsync();
        var b = await _host.RegisterAsync();
        var stranger = await _host.RegisterAsync();
        var requestId = await _host.SendPartnerRequestAsync(a, b);

        await (await DecideAsync(b, Guid.NewGuid().ToString(), decision)).ShouldBeDetailAsync(HttpStatusCode.NotFound, "So'rov topilmadi");
        await (await DecideAsync(a, requestId, decision)).ShouldBeDetailAsync(HttpStatusCode.Forbidden, "Bu so'rov sizga emas");
        await (await DecideAsync(stranger, requestId, decision)).ShouldBeDetailAsync(HttpStatusCode.Forbidden, "Bu so'rov sizga emas");
        (await StatusOfAsync(requestId)).ShouldBe("pending");

        (await DecideAsync(b, requestId, decision)).StatusCode.ShouldBe(HttpStatusCode.OK);
        await (await DecideAsync(b, requestId, "accept")).ShouldBeDetailAsync(HttpStatusCode.BadRequest, "So'rov allaqachon ko'rib chiqilgan");
        await (await DecideAsync(b, requestId, "reject")).ShouldBeDetailAsync(HttpStatusCode.BadRequest, "So'rov allaqachon ko'rib chiqilgan");
        await (await DecideAsync(stranger, requestId, decision)).ShouldBeDetailAsync(HttpStatusCode.Forbidden, "Bu so'rov sizga emas");
    }

    [Theory]
    [InlineData("accept")]
    [InlineData("reject")]
    public async Task Decide_MalformedId_Is422AtPath(string decision)
    {
        var b = await _host.RegisterAsync();

        await (await DecideAsync(b, "not-a-uuid", decision)).ShouldBeValidationErrorAsync("uuid_parsing", "path", "request_id");
    }

    [Fact]
    public async Task Accept_Concurrently_CreatesOnePartnership()
    {
        var a = await _host.RegisterAsync();
        var b = await _host.RegisterAsync();
        var requestId = await _host.SendPartnerRequestAsync(a, b);

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => DecideAsync(b, requestId, "accept")));

        responses.Count(r => r.StatusCode == HttpStatusCode.OK).ShouldBe(1);
        foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.OK))
            await refused.ShouldBeDetailAsync(HttpStatusCode.BadRequest, "So'rov allaqachon ko'rib chiqilgan");
        (await PartnershipsBetweenAsync(a, b)).ShouldBe(1);
    }

    [Fact]
    public async Task Partners_ListsEveryPartnership_NewestFirst_WithAndWithoutTrailingSlash()
    {
        var me = await _host.RegisterAsync("Me");
        var older = await _host.RegisterAsync("Older", 5.5, 6.5);
        var newer = await _host.RegisterAsync("Newer", 8.0, 9.0);
        await _host.MakePartnersAsync(me, older);
        await _host.MakePartnersAsync(newer, me);

        foreach (var path in new[] { "/partners/", "/partners" })
        {
            var response = await _host.SendAsync(HttpMethod.Get, path, me);
            response.StatusCode.ShouldBe(HttpStatusCode.OK, path);
            var partners = (await response.ReadJsonAsync()).EnumerateArray().ToList();
            partners.Select(p => p.Str("user_id")).ShouldBe([newer.IdText, older.IdText]);
            var first = partners[0];
            first.Keys().ShouldBe(["current_level", "id", "is_online", "last_seen", "partnership_date", "target_score", "user_id", "username"]);
            first.Str("id").ShouldMatch(Wire.LowercaseUuid().ToString());
            first.Str("id").ShouldNotBe(newer.IdText);
            first.Str("username").ShouldBe("Newer");
            first.GetProperty("current_level").GetDouble().ShouldBe(8.0);
            first.GetProperty("target_score").GetDouble().ShouldBe(9.0);
            first.GetProperty("is_online").GetBoolean().ShouldBeFalse();
            first.Str("last_seen").ShouldMatch(Wire.Timestamp().ToString());
            first.Str("partnership_date").ShouldMatch(Wire.Timestamp().ToString());
        }
    }

    [Fact]
    public async Task Delete_RemovesThePartnershipFromEitherSide_ThenIs404()
    {
        var a = await _host.RegisterAsync();
        var b = await _host.RegisterAsync();
        await _host.MakePartnersAsync(a, b);

        await (await _host.SendAsync(HttpMethod.Delete, $"/partners/{a.Id}", b)).ShouldBeMessageAsync("Sherik o'chirildi");

        (await PartnershipsBetweenAsync(a, b)).ShouldBe(0);
        (await (await _host.SendAsync(HttpMethod.Get, "/partners/", a)).ReadJsonAsync()).GetArrayLength().ShouldBe(0);
        await (await _host.SendAsync(HttpMethod.Delete, $"/partners/{a.Id}", b)).ShouldBeDetailAsync(HttpStatusCode.NotFound, "Sherik topilmadi");
        await (await _host.SendAsync(HttpMethod.Delete, $"/partners/{b.Id}", a)).ShouldBeDetailAsync(HttpStatusCode.NotFound, "Sherik topilmadi");
        await using var db = await _host.OpenDbAsync();
        (await db.ExecuteScalarAsync<long>("SELECT count(*) FROM partner_requests WHERE from_user_id = @a", new { a = a.Id })).ShouldBe(1);
    }

    [Fact]
    public async Task Delete_MalformedId_Is422AtPath()
    {
        var a = await _host.RegisterAsync();

        await (await _host.SendAsync(HttpMethod.Delete, "/partners/not-a-uuid", a)).ShouldBeValidationErrorAsync("uuid_parsing", "path", "partner_user_id");
    }

    [Theory]
    [InlineData("/partners/not-a-uuid")]
    [InlineData("/partners/00000000-0000-0000-0000-000000000001")]
    public async Task GetOnAPartnerId_Is405(string path)
    {
        var a = await _host.RegisterAsync();

        var response = await _host.SendAsync(HttpMethod.Get, path, a);

        await response.ShouldBeDetailAsync(HttpStatusCode.MethodNotAllowed, "Method Not Allowed");
        response.Content.Headers.Allow.ShouldContain("DELETE");
    }
}
