using System.Net;
using System.Text.Json;
using Dapper;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests;

/// <summary>Contract 3.4 with D-6, D-21 and D-22: listing, counting, reading and updating users.</summary>
public sealed class UserEndpointsTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private readonly TestHost _host = fixture.Host;

    private async Task<List<JsonElement>> ListAsync(TestUser caller, string query = "")
    {
        var response = await _host.SendAsync(HttpMethod.Get, "/users" + query, caller);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.ReadJsonAsync()).EnumerateArray().ToList();
    }

    private async Task SetOnlineAsync(TestUser user)
    {
        await using var db = await _host.OpenDbAsync();
        (await db.ExecuteAsync("UPDATE users SET is_online = true WHERE id = @Id", new { user.Id })).ShouldBe(1);
    }

    [Fact]
    public async Task List_AnswersWithAndWithoutTrailingSlash_IncludingTheCaller()
    {
        var caller = await _host.RegisterAsync();

        foreach (var path in new[] { "/users?limit=100", "/users/?limit=100" })
        {
            var response = await _host.SendAsync(HttpMethod.Get, path, caller);
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            var users = await response.ReadJsonAsync();
            users.ValueKind.ShouldBe(JsonValueKind.Array);
            users.EnumerateArray().ShouldContain(u => u.Str("id") == caller.IdText);
        }
    }

    [Fact]
    public async Task List_ShowsOnlyTheCallersEmail()
    {
        var caller = await _host.RegisterAsync();
        var other = await _host.RegisterAsync();

        var users = await ListAsync(caller, "?limit=100");

        users.Single(u => u.Str("id") == caller.IdText).Str("email").ShouldBe(caller.Email);
        var seen = users.Single(u => u.Str("id") == other.IdText);
        seen.GetProperty("email").ValueKind.ShouldBe(JsonValueKind.Null);
        seen.Keys().ShouldContain("email");
        users.Where(u => u.Str("id") != caller.IdText).ShouldAllBe(u => u.GetProperty("email").ValueKind == JsonValueKind.Null);
    }

    [Theory]
    [InlineData("true")]
    [InlineData("1")]
    [InlineData("yes")]
    [InlineData("on")]
    [InlineData("T")]
    public async Task List_OnlineOnly_ReturnsOnlyOnlineUsers(string flag)
    {
        var online = await _host.RegisterAsync();
        var offline = await _host.RegisterAsync();
        await SetOnlineAsync(online);

        var users = await ListAsync(offline, $"?online_only={flag}&limit=100");

        users.ShouldContain(u => u.Str("id") == online.IdText);
        users.ShouldNotContain(u => u.Str("id") == offline.IdText);
        users.ShouldAllBe(u => u.GetProperty("is_online").GetBoolean());
    }

    [Fact]
    public async Task List_OnlineOnly_WritesEachEntryAsGetUserDoes_ForAViewerOnThePageAndOneNotOnIt()
    {
        var caller = await _host.RegisterAsync();
        var other = await _host.RegisterAsync();
        var outsider = await _host.RegisterAsync();
        await SetOnlineAsync(caller);
        await SetOnlineAsync(other);

        foreach (var viewer in new[] { caller, outsider, caller }) // the caller twice: the second page is the kept one
        {
            var entries = new Dictionary<string, string>();
            for (var skip = 0; skip < 2000 && !(entries.ContainsKey(caller.IdText) && entries.ContainsKey(other.IdText)); skip += 100)
            {
                var response = await _host.SendAsync(HttpMethod.Get, $"/users?online_only=true&skip={skip}&limit=100", viewer);
                response.StatusCode.ShouldBe(HttpStatusCode.OK);
                response.Content.Headers.ContentType!.ToString().ShouldBe("application/json; charset=utf-8");
                var body = await response.Content.ReadAsStringAsync();
                using var page = JsonDocument.Parse(body);
                var raws = page.RootElement.EnumerateArray().Select(u => u.GetRawText()).ToList();
                body.ShouldBe("[" + string.Join(",", raws) + "]");
                foreach (var u in page.RootElement.EnumerateArray()) entries[u.Str("id")] = u.GetRawText();
                if (raws.Count == 0) break;
            }

            foreach (var user in new[] { caller, other })
            {
                var single = await (await _host.SendAsync(HttpMethod.Get, $"/users/{user.Id}", viewer)).Content.ReadAsStringAsync();
                entries[user.IdText].ShouldBe(single);
            }
        }
    }

    [Theory]
    [InlineData("false")]
    [InlineData("0")]
    [InlineData("no")]
    public async Task List_OnlineOnlyFalse_IncludesOfflineUsers(string flag)
    {
        var caller = await _host.RegisterAsync();

        (await ListAsync(caller, $"?online_only={flag}&limit=100")).ShouldContain(u => u.Str("id") == caller.IdText);
    }

    [Fact]
    public async Task List_BadOnlineOnly_Is422BoolParsing()
    {
        var caller = await _host.RegisterAsync();

        await (await _host.SendAsync(HttpMethod.Get, "/users?online_only=maybe", caller)).ShouldBeValidationErrorAsync("bool_parsing", "query", "online_only");
    }

    [Fact]
    public async Task List_IsOrderedByCreatedAtThenId_AndPagesWithSkipAndLimit()
    {
        var caller = await _host.RegisterAsync();
        await _host.RegisterAsync();
        await _host.RegisterAsync();

        var all = await ListAsync(caller, "?limit=100");
        all.Count.ShouldBeGreaterThanOrEqualTo(3);
        var keys = all.Select(u => (DateTime.Parse(u.Str("created_at")).ToUniversalTime(), Guid.Parse(u.Str("id")))).ToList();
        keys.ShouldBe(keys.OrderBy(k => k.Item1).ThenBy(k => k.Item2.ToString()).ToList());

        var page = await ListAsync(caller, "?skip=1&limit=2");
        page.Select(u => u.Str("id")).ShouldBe(all.Skip(1).Take(2).Select(u => u.Str("id")));
    }

    [Theory]
    [InlineData("skip=-1", "skip")]
    [InlineData("limit=-1", "limit")]
    public async Task List_NegativePaging_Is422(string query, string field)
    {
        var caller = await _host.RegisterAsync();

        var locs = await (await _host.SendAsync(HttpMethod.Get, "/users?" + query, caller)).ValidationLocsAsync();

        locs.ShouldHaveSingleItem().ShouldEndWith($"[\"query\",\"{field}\"]");
    }

    [Fact]
    public async Task List_NonIntegerLimit_Is422IntParsing()
    {
        var caller = await _host.RegisterAsync();

        await (await _host.SendAsync(HttpMethod.Get, "/users?limit=ten", caller)).ShouldBeValidationErrorAsync("int_parsing", "query", "limit");
    }

    [Fact]
    public async Task List_LimitIsCappedAt100_AndDefaultsTo50()
    {
        await using var host = await TestHost.StartAsync();
        var caller = await host.RegisterAsync();
        await using (var db = await host.OpenDbAsync())
        {
            await db.ExecuteAsync("""
                INSERT INTO users (id, email, password_hash, username)
                SELECT gen_random_uuid(), 'bulk' || g || '@example.com', 'x', 'bulk' || g FROM generate_series(1, 120) g
                """);
        }

        var capped = await host.SendAsync(HttpMethod.Get, "/users?limit=1000", caller);
        capped.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await capped.ReadJsonAsync()).GetArrayLength().ShouldBe(100);
        (await (await host.SendAsync(HttpMethod.Get, "/users", caller)).ReadJsonAsync()).GetArrayLength().ShouldBe(50);
    }

    [Fact]
    public async Task OnlineCount_CountsUsersMarkedOnline()
    {
        var caller = await _host.RegisterAsync();
        async Task<int> CountAsync()
        {
            var response = await _host.SendAsync(HttpMethod.Get, "/users/online/count", caller);
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            var body = await response.ReadJsonAsync();
            body.Keys().ShouldBe(["online_count"]);
            return body.GetProperty("online_count").GetInt32();
        }

        var before = await CountAsync();
        await SetOnlineAsync(await _host.RegisterAsync());

        (await CountAsync()).ShouldBe(before + 1);
    }

    [Fact]
    public async Task Get_ReturnsAnotherUserWithoutEmail_AndSelfWithEmail()
    {
        var caller = await _host.RegisterAsync();
        var other = await _host.RegisterAsync("Other", 7.5);

        var response = await _host.SendAsync(HttpMethod.Get, $"/users/{other.Id}", caller);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await response.ReadJsonAsync();
        body.Str("id").ShouldBe(other.IdText);
        body.Str("username").ShouldBe("Other");
        body.GetProperty("current_level").GetDouble().ShouldBe(7.5);
        body.GetProperty("email").ValueKind.ShouldBe(JsonValueKind.Null);

        (await (await _host.SendAsync(HttpMethod.Get, $"/users/{caller.Id}", caller)).ReadJsonAsync()).Str("email").ShouldBe(caller.Email);
    }

    [Fact]
    public async Task Get_AcceptsUppercaseAnd32HexIds()
    {
        var caller = await _host.RegisterAsync();

        foreach (var form in new[] { caller.IdText.ToUpperInvariant(), caller.Id.ToString("N"), caller.Id.ToString("N").ToUpperInvariant() })
        {
            var response = await _host.SendAsync(HttpMethod.Get, $"/users/{form}", caller);
            response.StatusCode.ShouldBe(HttpStatusCode.OK, form);
            (await response.ReadJsonAsync()).Str("id").ShouldBe(caller.IdText);
        }
    }

    [Fact]
    public async Task Get_UnknownId_Is404UserNotFound()
    {
        var caller = await _host.RegisterAsync();

        await (await _host.SendAsync(HttpMethod.Get, $"/users/{Guid.NewGuid()}", caller)).ShouldBeDetailAsync(HttpStatusCode.NotFound, "User not found");
    }

    [Theory]
    [InlineData("not-a-uuid")]
    [InlineData("online")]
    [InlineData("12345")]
    public async Task Get_MalformedId_Is422UuidParsingAtPath(string id)
    {
        var caller = await _host.RegisterAsync();

        var item = await (await _host.SendAsync(HttpMethod.Get, $"/users/{id}", caller)).ShouldBeValidationErrorAsync("uuid_parsing", "path", "user_id");
        item.Str("msg").ShouldStartWith("Input should be a valid UUID, ");
    }

    [Fact]
    public async Task Get_WithoutToken_Is401()
    {
        var caller = await _host.RegisterAsync();

        await (await _host.SendAsync(HttpMethod.Get, $"/users/{caller.Id}", null)).ShouldBeUnauthorizedAsync("Not authenticated");
    }

    [Fact]
    public async Task Patch_ChangesOnlyTheFieldsSent()
    {
        var user = await _host.RegisterAsync("Before", 6.0, 7.0);

        var response = await _host.SendAsync(HttpMethod.Patch, $"/users/{user.Id}", user, new { username = "After", email = "x@example.com", password = "ignored1" });

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await response.ReadJsonAsync();
        body.Str("username").ShouldBe("After");
        body.Str("email").ShouldBe(user.Email);
        body.GetProperty("current_level").GetDouble().ShouldBe(6.0);
        body.GetProperty("target_score").GetDouble().ShouldBe(7.0);

        var levels = await (await _host.SendAsync(HttpMethod.Patch, $"/users/{user.Id}", user, new { current_level = 7.5, target_score = "8.5" })).ReadJsonAsync();
        levels.Str("username").ShouldBe("After");
        levels.GetProperty("current_level").GetDouble().ShouldBe(7.5);
        levels.GetProperty("target_score").GetDouble().ShouldBe(8.5);

        var stored = await (await _host.SendAsync(HttpMethod.Get, "/auth/me", user)).ReadJsonAsync();
        stored.Str("username").ShouldBe("After");
        stored.GetProperty("current_level").GetDouble().ShouldBe(7.5);
    }

    [Fact]
    public async Task Patch_EmptyObject_ChangesNothing()
    {
        var user = await _host.RegisterAsync("Same", 5.5, 6.5);
        var before = await (await _host.SendAsync(HttpMethod.Get, "/auth/me", user)).ReadJsonAsync();

        var response = await _host.SendAsync(HttpMethod.Patch, $"/users/{user.Id}", user, new { });

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var after = await response.ReadJsonAsync();
        after.GetRawText().ShouldBe(before.GetRawText());
    }

    [Theory]
    [InlineData("username")]
    [InlineData("current_level")]
    [InlineData("target_score")]
    public async Task Patch_NullInAnyField_Is422AndChangesNothing(string field)
    {
        var user = await _host.RegisterAsync("Keep", 6.5, 7.5);

        var response = await _host.Http.SendAsync(Wire.Raw(HttpMethod.Patch, $"/users/{user.Id}", "Bearer " + user.Token, $$"""{"{{field}}":null}"""));

        (await response.ValidationLocsAsync()).ShouldHaveSingleItem().ShouldEndWith($"[\"body\",\"{field}\"]");
        var stored = await (await _host.SendAsync(HttpMethod.Get, "/auth/me", user)).ReadJsonAsync();
        stored.Str("username").ShouldBe("Keep");
        stored.GetProperty("current_level").GetDouble().ShouldBe(6.5);
        stored.GetProperty("target_score").GetDouble().ShouldBe(7.5);
    }

    [Fact]
    public async Task Patch_OutOfRangeValues_Are422()
    {
        var user = await _host.RegisterAsync();

        await (await _host.SendAsync(HttpMethod.Patch, $"/users/{user.Id}", user, new { current_level = 9.5 }))
            .ShouldBeValidationErrorAsync("less_than_equal", "body", "current_level");
        await (await _host.SendAsync(HttpMethod.Patch, $"/users/{user.Id}", user, new { username = "x" }))
            .ShouldBeValidationErrorAsync("string_too_short", "body", "username");
    }

    [Fact]
    public async Task Patch_AnotherUsersProfile_Is403_AfterBodyValidation()
    {
        var caller = await _host.RegisterAsync();
        var other = await _host.RegisterAsync("Victim");

        await (await _host.SendAsync(HttpMethod.Patch, $"/users/{other.Id}", caller, new { username = "Hacked" }))
            .ShouldBeDetailAsync(HttpStatusCode.Forbidden, "You can only update your own profile");
        await (await _host.SendAsync(HttpMethod.Patch, $"/users/{other.Id}", caller, new { current_level = 0.5 }))
            .ShouldBeValidationErrorAsync("greater_than_equal", "body", "current_level");
        (await (await _host.SendAsync(HttpMethod.Get, "/auth/me", other)).ReadJsonAsync()).Str("username").ShouldBe("Victim");
    }

    [Fact]
    public async Task Patch_MalformedId_Is422AtPath()
    {
        var user = await _host.RegisterAsync();

        await (await _host.SendAsync(HttpMethod.Patch, "/users/nope", user, new { username = "Abc" })).ShouldBeValidationErrorAsync("uuid_parsing", "path", "user_id");
    }
}
