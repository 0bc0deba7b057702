using System.Net;
using System.Text.Json;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests;

/// <summary>
/// The frontend's user flows F1–F10 (contract section 7) replayed on the wire, one test per flow, with the requests
/// the frontend sends (JSON content type everywhere but the login form, also on GETs and bodiless POSTs) and the
/// WebSocket messages it sends and reads.
/// </summary>
public sealed class FrontendFlowTests : HostPerTest
{
    private static readonly string[] UserKeys = ["created_at", "current_level", "email", "id", "is_online", "last_seen", "target_score", "username"];
    private static readonly string[] MatchedKeys = ["is_initiator", "partner_id", "partner_level", "partner_username", "practice", "room_id", "session_id"];
    [Fact]
    public async Task F1_Register_ReturnsATokenAndTheUser_AndADuplicateEmailShowsItsDetail()
    {
        var body = new { email = "Learner.One@Example.COM", password = "secret123", username = "Learner", current_level = 6.5, target_score = 7.5 };
        var response = await Host.SendAsync(HttpMethod.Post, "/auth/register", null, body);

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var token = await response.ReadJsonAsync();
        token.Keys().ShouldBe(["access_token", "token_type", "user"]);
        token.Str("token_type").ShouldBe("bearer");
        var user = token.GetProperty("user");
        user.Keys().ShouldBe(UserKeys);
        user.Str("email").ShouldBe("Learner.One@example.com");
        user.GetProperty("current_level").GetDouble().ShouldBe(6.5);
        user.GetProperty("target_score").GetDouble().ShouldBe(7.5);
        user.GetProperty("is_online").GetBoolean().ShouldBeFalse();

        var duplicate = await Host.SendAsync(HttpMethod.Post, "/auth/register", null, body);
        duplicate.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await duplicate.ReadJsonAsync()).Str("detail").ShouldBe("Email already registered");
    }

    [Fact]
    public async Task F2_Login_WithTheForm_ReturnsAToken_AndAWrongPasswordShowsItsDetail()
    {
        var user = await Host.RegisterAsync();

        var response = await LoginAsync(user.Email, user.Password);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var token = await response.ReadJsonAsync();
        token.Keys().ShouldBe(["access_token", "token_type", "user"]);
        token.GetProperty("user").Str("id").ShouldBe(user.IdText);

        // The token from the login works for the dashboard.
        var me = user with { Token = token.Str("access_token") };
        (await Host.SendAsync(HttpMethod.Get, "/users?online_only=true", me)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var wrong = await LoginAsync(user.Email, "not-the-password");
        wrong.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        wrong.Headers.WwwAuthenticate.ToString().ShouldBe("Bearer");
        (await wrong.ReadJsonAsync()).Str("detail").ShouldBe("Incorrect email or password");
    }

    [Fact]
    public async Task F3_Dashboard_CountsOnlineUsers_AndTheSocketAnswersPingsWithoutGreeting()
    {
        var (a, b) = (await Host.RegisterAsync(), await Host.RegisterAsync());
        (await OnlineIdsAsync(a)).ShouldBeEmpty();

        await using var wsA = await Host.ConnectAsync(a);
        (await wsA.DrainAsync()).ShouldBeEmpty(); // no message on connect, only the pong
        await using var wsB = await Host.ConnectAsync(b);
        (await wsB.DrainAsync()).ShouldBeEmpty();

        var online = await OnlineIdsAsync(a);
        online.ShouldBe(new[] { a.IdText, b.IdText }, ignoreOrder: true);

        await wsA.SendTextAsync("""{"type":"ping"}""");
        var pong = await wsA.NextAsync();
        pong.GetRawText().ShouldBe("""{"type":"pong"}""");
    }

    [Fact]
    public async Task F4_QueueAndMatch_RouletteAndLevelFilter_PairTheRightUsers_AndLeavingAnswersQueueLeft()
    {
        var (a, b) = (await Host.RegisterAsync("Anna", level: 6.5), await Host.RegisterAsync("Bek", level: 7.0));
        await using var wsA = await Host.ConnectAsync(a);
        await using var wsB = await Host.ConnectAsync(b);

        await wsA.SendTextAsync("""{"type":"join_queue","data":{"mode":"roulette"}}""");
        (await wsA.NextAsync()).GetRawText().ShouldBe("""{"type":"queue_joined","data":{"mode":"roulette","level_filter":null}}""");
        await wsB.SendTextAsync("""{"type":"join_queue","data":{"mode":"roulette"}}""");
        (await wsB.NextAsync()).Type().ShouldBe("queue_joined");

        var matchA = (await wsA.WaitForAsync("matched")).GetProperty("data");
        var matchB = (await wsB.WaitForAsync("matched")).GetProperty("data");
        matchA.Keys().ShouldBe(MatchedKeys);
        matchB.Keys().ShouldBe(MatchedKeys);
        matchA.GetProperty("is_initiator").GetBoolean().ShouldBeTrue();
        matchB.GetProperty("is_initiator").GetBoolean().ShouldBeFalse();
        matchA.Str("partner_id").ShouldBe(b.IdText);
        matchB.Str("partner_id").ShouldBe(a.IdText);
        matchA.Str("partner_username").ShouldBe("Bek");
        matchB.GetProperty("partner_level").GetDouble().ShouldBe(6.5);
        matchA.Str("session_id").ShouldBe(matchB.Str("session_id"));
        matchA.Str("room_id").ShouldBe(matchB.Str("room_id"));
        matchA.Str("room_id").ShouldMatch("^room_[0-9a-f]{12}$");

        // Cancel while waiting.
        var c = await Host.RegisterAsync();
        await using var wsC = await Host.ConnectAsync(c);
        await wsC.SendTextAsync("""{"type":"join_queue","data":{"mode":"roulette"}}""");
        (await wsC.NextAsync()).Type().ShouldBe("queue_joined");
        await wsC.SendTextAsync("""{"type":"leave_queue"}""");
        (await wsC.NextAsync()).GetRawText().ShouldBe("""{"type":"queue_left"}""");
        (await QueueStatusAsync(c)).GetProperty("in_queue").GetBoolean().ShouldBeFalse();

        // Level filter: 6.0 and 6.5 are within half a band.
        var (d, e) = (await Host.RegisterAsync(level: 6.0), await Host.RegisterAsync(level: 6.5));
        await using var wsD = await Host.ConnectAsync(d);
        await using var wsE = await Host.ConnectAsync(e);
        await wsD.SendTextAsync("""{"type":"join_queue","data":{"mode":"level_filter","level_filter":6.0}}""");
        var joinedD = await wsD.NextAsync();
        joinedD.Type().ShouldBe("queue_joined");
        joinedD.GetProperty("data").Str("mode").ShouldBe("level_filter");
        joinedD.GetProperty("data").GetProperty("level_filter").GetDouble().ShouldBe(6.0);
        await wsE.SendTextAsync("""{"type":"join_queue","data":{"mode":"level_filter","level_filter":6.5}}""");
        (await wsE.NextAsync()).GetProperty("data").GetProperty("level_filter").GetDouble().ShouldBe(6.5);

        var matchD = (await wsD.WaitForAsync("matched")).GetProperty("data");
        var matchE = (await wsE.WaitForAsync("matched")).GetProperty("data");
        matchD.Str("partner_id").ShouldBe(e.IdText);
        matchD.GetProperty("is_initiator").GetBoolean().ShouldBeTrue();
        matchE.Str("partner_id").ShouldBe(d.IdText);
        matchE.GetProperty("is_initiator").GetBoolean().ShouldBeFalse();
        (await SessionAsync(Guid.Parse(matchD.Str("session_id")))).Mode.ShouldBe("level_filter");
        (await wsC.DrainAsync()).ShouldBeEmpty(); // C left before anyone could be paired with it
    }

    [Fact]
    public async Task F5_VoiceCall_RelaysOfferAnswerAndIceCandidatesInOrder_WithTheFrontendsShapes()
    {
        var (a, b, wsA, wsB, _) = await MatchedPairAsync();
        await using (wsA)
        await using (wsB)
        {
            const string offerSdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";
            await wsA.SendTextAsync(Signal("offer", b, $$$"""{"type":"offer","sdp":{{{JsonSerializer.Serialize(offerSdp)}}}}"""));
            await wsA.SendTextAsync(Signal("ice_candidate", b, Candidate("candidate:1 1 udp 2122260223 192.0.2.2 50000 typ host", "abcd")));
            await wsA.SendTextAsync(Signal("ice_candidate", b, Candidate("candidate:2 1 udp 2122260223 192.0.2.2 50001 typ host", "abcd")));

            var offer = await wsB.NextAsync();
            offer.Keys().ShouldBe(["data", "from_user_id", "type"]);
            offer.Type().ShouldBe("offer");
            offer.Str("from_user_id").ShouldBe(a.IdText);
            offer.GetProperty("data").Str("type").ShouldBe("offer");
            offer.GetProperty("data").Str("sdp").ShouldBe(offerSdp);
            foreach (var port in new[] { "50000", "50001" })
            {
                var ice = await wsB.NextAsync();
                ice.Keys().ShouldBe(["data", "from_user_id", "type"]);
                ice.Type().ShouldBe("ice_candidate");
                ice.Str("from_user_id").ShouldBe(a.IdText);
                var candidate = ice.GetProperty("data").GetProperty("candidate");
                candidate.Keys().ShouldBe(["candidate", "sdpMLineIndex", "sdpMid", "usernameFragment"]); // ordinal order
                candidate.Str("candidate").ShouldContain(port);
                candidate.Str("sdpMid").ShouldBe("0");
                candidate.GetProperty("sdpMLineIndex").GetInt32().ShouldBe(0);
                candidate.Str("usernameFragment").ShouldBe("abcd");
            }

            (await wsA.DrainAsync()).ShouldBeEmpty(); // the sender gets nothing back

            await wsB.SendTextAsync(Signal("answer", a, """{"type":"answer","sdp":"v=0\r\n"}"""));
            await wsB.SendTextAsync(Signal("ice_candidate", a, Candidate("candidate:3 1 udp 2122260223 192.0.2.2 50002 typ host", "efgh")));
            var answer = await wsA.NextAsync();
            answer.Type().ShouldBe("answer");
            answer.Str("from_user_id").ShouldBe(b.IdText);
            answer.GetProperty("data").GetRawText().ShouldBe("""{"type":"answer","sdp":"v=0\r\n"}""");
            var iceForA = await wsA.NextAsync();
            iceForA.Type().ShouldBe("ice_candidate");
            iceForA.GetProperty("data").GetProperty("candidate").Str("usernameFragment").ShouldBe("efgh");

            // ICE restart: the initiator offers again and the callee answers again.
            await wsA.SendTextAsync(Signal("offer", b, """{"type":"offer","sdp":"v=0 restart"}"""));
            (await wsB.NextAsync()).GetProperty("data").Str("sdp").ShouldBe("v=0 restart");
            await wsB.SendTextAsync(Signal("answer", a, """{"type":"answer","sdp":"v=0 restart answer"}"""));
            (await wsA.NextAsync()).GetProperty("data").Str("sdp").ShouldBe("v=0 restart answer");
            (await wsB.DrainAsync()).ShouldBeEmpty();
        }
    }

    [Fact]
    public async Task F6_Chat_ReachesThePartnerWithTopLevelFields_AndIsNotEchoed()
    {
        var (a, b, wsA, wsB, _) = await MatchedPairAsync();
        await using (wsA)
        await using (wsB)
        {
            await wsA.SendTextAsync($$$"""{"type":"chat","data":{"target_user_id":"{{{b.IdText}}}","message":"Salom, qalaysiz?"}}""");
            var chat = await wsB.NextAsync();
            chat.Keys().ShouldBe(["from_user_id", "message", "timestamp", "type"]);
            chat.Type().ShouldBe("chat");
            chat.Str("from_user_id").ShouldBe(a.IdText);
            chat.Str("message").ShouldBe("Salom, qalaysiz?");
            chat.Str("timestamp").ShouldMatch(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?Z$");
            (await wsA.DrainAsync()).ShouldBeEmpty();

            await wsB.SendTextAsync($$$"""{"type":"chat","data":{"target_user_id":"{{{a.IdText}}}","message":"Yaxshi!"}}""");
            var reply = await wsA.NextAsync();
            reply.Str("from_user_id").ShouldBe(b.IdText);
            reply.Str("message").ShouldBe("Yaxshi!");
            (await wsB.DrainAsync()).ShouldBeEmpty();
        }
    }

    [Fact]
    public async Task F7_End_CompletesTheSession_TellsBothUsers_AndBothCanJoinAgain()
    {
        var (_, _, wsA, wsB, sessionId) = await MatchedPairAsync();
        await using (wsA)
        await using (wsB)
        {
            await wsA.SendTextAsync($$$"""{"type":"end_session","data":{"session_id":"{{{sessionId}}}"}}""");
            var expected = $$$"""{"type":"session_ended","data":{"session_id":"{{{sessionId}}}"}}""";
            (await wsB.NextAsync()).GetRawText().ShouldBe(expected);
            (await wsA.NextAsync()).GetRawText().ShouldBe(expected);

            var session = await SessionAsync(sessionId);
            session.Status.ShouldBe("completed");
            session.Ended.ShouldBeTrue();

            foreach (var ws in new[] { wsA, wsB })
            {
                await ws.SendTextAsync("""{"type":"join_queue","data":{"mode":"roulette"}}""");
                (await ws.NextAsync()).Type().ShouldBe("queue_joined");
            }
        }
    }

    [Fact]
    public async Task F8_Partners_SearchRequestAcceptRejectAndRemove_AsThePartnersPageDoes()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var a = await Host.RegisterAsync("Anna" + suffix);
        var b = await Host.RegisterAsync("Bekzod" + suffix, level: 7.0);
        var c = await Host.RegisterAsync("Cyrus" + suffix);

        // Page load.
        (await GetArrayAsync(a, "/partners/")).ShouldBeEmpty();
        (await GetArrayAsync(a, "/partners/requests/incoming")).ShouldBeEmpty();

        // Search, send a request, search again.
        var found = (await GetArrayAsync(a, $"/partners/search?q=bekzod{suffix}")).ShouldHaveSingleItem();
        found.Keys().ShouldBe(["current_level", "has_pending_request", "id", "is_online", "is_partner", "username"]);
        found.Str("id").ShouldBe(b.IdText);
        found.GetProperty("has_pending_request").GetBoolean().ShouldBeFalse();

        var sent = await Host.SendAsync(HttpMethod.Post, "/partners/request", a, new { to_user_id = b.IdText });
        sent.StatusCode.ShouldBe(HttpStatusCode.OK);
        var request = await sent.ReadJsonAsync();
        request.Keys().ShouldBe(["created_at", "from_level", "from_user_id", "from_username", "id", "status", "to_level", "to_user_id", "to_username"]);
        request.Str("status").ShouldBe("pending");
        request.Str("to_user_id").ShouldBe(b.IdText);
        (await GetArrayAsync(a, $"/partners/search?q=bekzod{suffix}")).ShouldHaveSingleItem()
            .GetProperty("has_pending_request").GetBoolean().ShouldBeTrue();

        var again = await Host.SendAsync(HttpMethod.Post, "/partners/request", a, new { to_user_id = b.IdText });
        again.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await again.ReadJsonAsync()).Str("detail").ShouldBe("So'rov allaqachon yuborilgan");

        // B accepts (a bodiless POST with the JSON content type), then both partner lists show it.
        var incoming = (await GetArrayAsync(b, "/partners/requests/incoming")).ShouldHaveSingleItem();
        incoming.Str("from_user_id").ShouldBe(a.IdText);
        var accepted = await Host.SendAsync(HttpMethod.Post, $"/partners/requests/{incoming.Str("id")}/accept", b);
        accepted.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await accepted.ReadJsonAsync()).GetRawText().ShouldBe("""{"message":"Sherik qo'shildi!"}""");
        (await GetArrayAsync(b, "/partners/requests/incoming")).ShouldBeEmpty();
        var partnerOfA = (await GetArrayAsync(a, "/partners/")).ShouldHaveSingleItem();
        partnerOfA.Keys().ShouldBe(["current_level", "id", "is_online", "last_seen", "partnership_date", "target_score", "user_id", "username"]);
        partnerOfA.Str("user_id").ShouldBe(b.IdText);
        partnerOfA.GetProperty("current_level").GetDouble().ShouldBe(7.0);
        (await GetArrayAsync(b, "/partners/")).ShouldHaveSingleItem().Str("user_id").ShouldBe(a.IdText);
        (await GetArrayAsync(a, $"/partners/search?q=bekzod{suffix}")).ShouldHaveSingleItem()
            .GetProperty("is_partner").GetBoolean().ShouldBeTrue();

        // C's request to A is rejected.
        var fromC = await (await Host.SendAsync(HttpMethod.Post, "/partners/request", c, new { to_user_id = a.IdText })).ReadJsonAsync();
        var rejected = await Host.SendAsync(HttpMethod.Post, $"/partners/requests/{fromC.Str("id")}/reject", a);
        rejected.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await rejected.ReadJsonAsync()).GetRawText().ShouldBe("""{"message":"So'rov rad etildi"}""");
        (await GetArrayAsync(a, "/partners/requests/incoming")).ShouldBeEmpty();
        (await GetArrayAsync(a, "/partners/")).Count.ShouldBe(1);

        // Remove.
        var removed = await Host.SendAsync(HttpMethod.Delete, $"/partners/{b.IdText}", a);
        removed.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await removed.ReadJsonAsync()).GetRawText().ShouldBe("""{"message":"Sherik o'chirildi"}""");
        (await GetArrayAsync(a, "/partners/")).ShouldBeEmpty();
        (await GetArrayAsync(b, "/partners/")).ShouldBeEmpty();
    }

    [Fact]
    public async Task F9_InvitePartner_AcceptMatchesBoth_DeclineIsReported_AndAnOfflinePartnerIsAnError()
    {
        var a = await Host.RegisterAsync("Anna", level: 6.5);
        var b = await Host.RegisterAsync("Bek", level: 7.0);
        var offline = await Host.RegisterAsync("Dilnoza");
        await Host.MakePartnersAsync(a, b);
        await Host.MakePartnersAsync(a, offline);
        await using var wsA = await Host.ConnectAsync(a);
        await using var wsB = await Host.ConnectAsync(b);

        await wsA.SendTextAsync($$$"""{"type":"invite_partner","data":{"partner_user_id":"{{{b.IdText}}}"}}""");
        (await wsA.NextAsync()).GetRawText().ShouldBe("""{"type":"invite_sent","message":"Taklif yuborildi!"}""");
        var invite = await wsB.NextAsync();
        invite.Keys().ShouldBe(["from_level", "from_user_id", "from_username", "timestamp", "type"]);
        invite.Type().ShouldBe("partner_invite");
        invite.Str("from_user_id").ShouldBe(a.IdText);
        invite.Str("from_username").ShouldBe("Anna");
        invite.GetProperty("from_level").GetDouble().ShouldBe(6.5);

        await wsB.SendTextAsync($$$"""{"type":"invite_response","data":{"inviter_user_id":"{{{a.IdText}}}","accepted":true}}""");
        var matchA = (await wsA.NextAsync()).GetProperty("data");
        var matchB = (await wsB.NextAsync()).GetProperty("data");
        matchA.Keys().ShouldBe(MatchedKeys);
        matchA.GetProperty("is_initiator").GetBoolean().ShouldBeTrue();
        matchA.Str("partner_id").ShouldBe(b.IdText);
        matchB.GetProperty("is_initiator").GetBoolean().ShouldBeFalse();
        matchB.Str("partner_id").ShouldBe(a.IdText);
        matchA.Str("session_id").ShouldBe(matchB.Str("session_id"));
        (await SessionAsync(Guid.Parse(matchA.Str("session_id")))).Status.ShouldBe("active");

        // End that call; the next invitation is declined.
        await wsA.SendTextAsync($$$"""{"type":"end_session","data":{"session_id":"{{{matchA.Str("session_id")}}}"}}""");
        (await wsA.WaitForAsync("session_ended")).GetProperty("data").Str("session_id").ShouldBe(matchA.Str("session_id"));
        (await wsB.WaitForAsync("session_ended")).GetProperty("data").Str("session_id").ShouldBe(matchA.Str("session_id"));
        await wsA.SendTextAsync($$$"""{"type":"invite_partner","data":{"partner_user_id":"{{{b.IdText}}}"}}""");
        (await wsA.NextAsync()).Type().ShouldBe("invite_sent");
        (await wsB.NextAsync()).Type().ShouldBe("partner_invite");
        await wsB.SendTextAsync($$$"""{"type":"invite_response","data":{"inviter_user_id":"{{{a.IdText}}}","accepted":false}}""");
        (await wsA.NextAsync()).GetRawText().ShouldBe("""{"type":"invite_rejected","message":"Taklif rad etildi"}""");
        (await wsB.DrainAsync()).ShouldBeEmpty();

        // A partner without a connection.
        await wsA.SendTextAsync($$$"""{"type":"invite_partner","data":{"partner_user_id":"{{{offline.IdText}}}"}}""");
        (await wsA.NextAsync()).GetRawText().ShouldBe("""{"type":"invite_error","message":"Sherik hozir online emas"}""");
    }

    [Fact]
    public async Task F10_Logout_ClosingTheSocket_TakesTheUserOfflineAndOutOfTheQueue()
    {
        var (a, b) = (await Host.RegisterAsync(), await Host.RegisterAsync());
        await using var wsA = await Host.ConnectAsync(a);
        await wsA.SendTextAsync("""{"type":"join_queue","data":{"mode":"roulette"}}""");
        (await wsA.NextAsync()).Type().ShouldBe("queue_joined");
        (await OnlineIdsAsync(b)).ShouldContain(a.IdText);
        (await QueueStatusAsync(a)).GetProperty("in_queue").GetBoolean().ShouldBeTrue();

        await wsA.CloseAsync(); // logout: the frontend closes the socket and does not reconnect

        await EventuallyAsync(async () => !(await OnlineIdsAsync(b)).Contains(a.IdText), "A is still listed online");
        var all = await GetArrayAsync(b, "/users");
        all.Single(u => u.Str("id") == a.IdText).GetProperty("is_online").GetBoolean().ShouldBeFalse();
        await EventuallyAsync(async () => await ActiveQueueEntriesAsync(a) == 0, "A's queue entry is still active");
        (await QueueStatusAsync(a)).GetProperty("in_queue").GetBoolean().ShouldBeFalse();
    }

    private Task<HttpResponseMessage> LoginAsync(string email, string password) =>
        Host.Http.PostAsync("/auth/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = email, ["password"] = password }));

    private async Task<List<JsonElement>> GetArrayAsync(TestUser user, string path)
    {
        var response = await Host.SendAsync(HttpMethod.Get, path, user);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, $"GET {path}");
        return (await response.ReadJsonAsync()).EnumerateArray().ToList();
    }

    private async Task<List<string>> OnlineIdsAsync(TestUser user) =>
        (await GetArrayAsync(user, "/users?online_only=true")).Select(u => u.Str("id")).ToList();

    private async Task<JsonElement> QueueStatusAsync(TestUser user) =>
        await (await Host.SendAsync(HttpMethod.Get, "/queue/status", user)).ReadJsonAsync();

    /// <summary>Two connected users matched by roulette (A first, so A is the initiator); the session id.</summary>
    private async Task<(TestUser A, TestUser B, WsClient WsA, WsClient WsB, Guid SessionId)> MatchedPairAsync()
    {
        var (a, b) = (await Host.RegisterAsync("Anna"), await Host.RegisterAsync("Bek"));
        var wsA = await Host.ConnectAsync(a);
        var wsB = await Host.ConnectAsync(b);
        await wsA.SendTextAsync("""{"type":"join_queue","data":{"mode":"roulette"}}""");
        (await wsA.NextAsync()).Type().ShouldBe("queue_joined");
        await wsB.SendTextAsync("""{"type":"join_queue","data":{"mode":"roulette"}}""");
        (await wsB.NextAsync()).Type().ShouldBe("queue_joined");
        var matchA = (await wsA.WaitForAsync("matched")).GetProperty("data");
        (await wsB.WaitForAsync("matched")).GetProperty("data").Str("session_id").ShouldBe(matchA.Str("session_id"));
        matchA.GetProperty("is_initiator").GetBoolean().ShouldBeTrue();
        return (a, b, wsA, wsB, Guid.Parse(matchA.Str("session_id")));
    }

    private static string Signal(string type, TestUser target, string payload) =>
        $$$"""{"type":"{{{type}}}","data":{"target_user_id":"{{{target.IdText}}}","data":{{{payload}}}}}""";

    private static string Candidate(string candidate, string usernameFragment) =>
        $$$"""{"candidate":{"candidate":"{{{candidate}}}","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"{{{usernameFragment}}}"}}""";

    private async Task<(string Status, string Mode, bool Ended)> SessionAsync(Guid sessionId)
    {
        await using var db = await Host.OpenDbAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT status, mode, ended_at IS NOT NULL FROM sessions WHERE id = @id", db);
        command.Parameters.AddWithValue("id", sessionId);
        await using var reader = await command.ExecuteReaderAsync();
        (await reader.ReadAsync()).ShouldBeTrue($"session {sessionId} is not in the database");
        return (reader.GetString(0), reader.GetString(1), reader.GetBoolean(2));
    }

    private async Task<long> ActiveQueueEntriesAsync(TestUser user)
    {
        await using var db = await Host.OpenDbAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT count(*) FROM queue_entries WHERE user_id = @id AND is_active", db);
        command.Parameters.AddWithValue("id", user.Id);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string failure)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new ShouldAssertException(failure);
            await Task.Delay(100);
        }
    }
}
