using System.Text;
using System.Text.Json;

namespace Speaking.UnitTests.Application.Realtime;

/// <summary>Contract 4.3 and 4.6, D-2, D-18, D-19 and issue 12 at the reader of one text frame.</summary>
public class ClientMessageReaderTests
{
    private const string Target = "3f2a9c0d-1b4e-4a5b-8c7d-0123456789ab";

    private static ClientFrame Read(string json) => ClientMessageReader.Read(Encoding.UTF8.GetBytes(json));

    private static T Message<T>(string json) where T : ClientMessage
    {
        var frame = Read(json);
        frame.Reply.ShouldBeNull();
        return frame.Message.ShouldBeOfType<T>();
    }

    public static TheoryData<string> Malformed => new()
    {
        "not json",
        "",
        "   ",
        "{\"type\":\"ping\"",
        "{\"type\":\"ping\",}",
        "{\"type\":\"ping\"} // comment",
        "{\"type\":\"ping\"}{\"type\":\"ping\"}",
        "[]",
        "[{\"type\":\"ping\"}]",
        "\"ping\"",
        "42",
        "null",
        "true",
        """{"type":"ping","data":null}""",
        """{"type":"ping","data":[]}""",
        """{"type":"join_queue","data":[]}""",
        """{"type":"join_queue","data":"roulette"}""",
        """{"type":"leave_queue","data":1}""",
        """{"type":"chat","data":null}""",
        """{"type":"offer","data":false}""",
        """{"type":"end_session","data":"abc"}""",
        """{"type":"invite_response","data":null}""",
        """{"type":"practice_stop","data":null}""",
        """{"type":"offer","data":{"target_user_id":42,"data":{}}}""",
        """{"type":"answer","data":{"target_user_id":"not-a-uuid","data":{}}}""",
        """{"type":"ice_candidate","data":{"target_user_id":{},"data":{}}}""",
        """{"type":"ice_candidate","data":{"target_user_id":true}}""",
        """{"type":"chat","data":{"target_user_id":"bob","message":"hi"}}""",
        """{"type":"chat","data":{"target_user_id":7,"message":"hi"}}""",
        """{"type":"invite_partner","data":{"partner_user_id":42}}""",
        """{"type":"invite_partner","data":{"partner_user_id":["x"]}}""",
        """{"type":"invite_response","data":{"inviter_user_id":42,"accepted":true}}""",
        """{"type":"practice_start","data":{"session_id":"nope"}}""",
        """{"type":"practice_stop","data":{"session_id":42}}""",
        """{"type":"practice_start","data":[]}""",
        // Nested deeper than the parser's limit of 64.
        "{\"type\":\"offer\",\"data\":{\"target_user_id\":\"" + Target + "\",\"data\":" + new string('[', 70) + new string(']', 70) + "}}",
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Read_AnswersInvalidMessage_ForMalformedInput(string json)
    {
        var frame = Read(json);

        frame.Reply.ShouldBe(ErrorMessage.InvalidMessage);
        frame.Message.ShouldBeNull();
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"data":{}}""")]
    [InlineData("""{"type":"hello"}""")]
    [InlineData("""{"type":"connection_status","data":null}""")]
    [InlineData("""{"type":"hello","data":"not an object"}""")]
    [InlineData("""{"type":"hello","data":[1,2]}""")]
    [InlineData("""{"type":42}""")]
    [InlineData("""{"type":null}""")]
    [InlineData("""{"type":["ping"]}""")]
    [InlineData("""{"type":"PING"}""")]
    [InlineData("""{"type":" ping"}""")]
    public void Read_IgnoresUnknownOrMissingTypes_EvenWithBadData(string json) => Read(json).ShouldBe(ClientFrame.Ignored);

    [Theory]
    [InlineData("""{"type":"ping","note":"\ud800"}""")]
    [InlineData("""{"type":"ping","note":"\ud800\u0041"}""")]
    [InlineData("""{"type":"ping","note":"\udc00\ud800"}""")]
    [InlineData("""{"type":"ping","note":"ok\ud83d"}""")]
    [InlineData("""{"type":"leave_queue","data":{"nested":[{"\udfff":1}]}}""")]
    [InlineData("""{"type":"offer","data":{"target_user_id":"3f2a9c0d-1b4e-4a5b-8c7d-0123456789ab","data":{"sdp":["v=0","\udfff"]}}}""")]
    [InlineData("""{"type":"end_session","data":{"session_id":"\ud800"}}""")]
    [InlineData("""{"type":"hello","data":"\udbff"}""")]
    public void Read_ALoneSurrogateAnywhere_IsInvalidMessage(string json) => Read(json).Reply.ShouldBe(ErrorMessage.InvalidMessage);

    public static TheoryData<byte[]> InvalidUtf8 => new()
    {
        Frame("""{"type":"chat","data":{"target_user_id":"3f2a9c0d-1b4e-4a5b-8c7d-0123456789ab","message":"#"}}""", 0xFF),
        Frame("""{"type":"ping","note":"#"}""", 0xC0, 0xAF),
        Frame("""{"type":"join_queue","data":{"mode":"#"}}""", 0xE2, 0x82),
        Frame("""{"type":"hello","#":1}""", 0xED, 0xA0, 0x80),
    };

    [Theory]
    [MemberData(nameof(InvalidUtf8))]
    public void Read_InvalidUtf8InAStringOrKey_IsInvalidMessage(byte[] frame) =>
        ClientMessageReader.Read(frame).Reply.ShouldBe(ErrorMessage.InvalidMessage);

    [Theory]
    [InlineData("""{"type":"ping","note":"\u0000"}""")]
    [InlineData("""{"type":"join_queue","data":{"mode":"roulette\u0000"}}""")]
    [InlineData("""{"type":"offer","data":{"target_user_id":"3f2a9c0d-1b4e-4a5b-8c7d-0123456789ab","data":{"a\u0000":1}}}""")]
    [InlineData("""{"type":"end_session","data":{"session_id":"\u0000"}}""")]
    [InlineData("""{"type":"invite_partner","data":{"partner_user_id":"3f2a9c0d-1b4e-4a5b-8c7d-0123456789ab\u0000"}}""")]
    [InlineData("""{"type":"invite_response","data":{"inviter_user_id":"3f2a9c0d-1b4e-4a5b-8c7d-0123456789ab","accepted":true,"x":["\u0000"]}}""")]
    [InlineData("""{"\u0000":1,"type":"leave_queue"}""")]
    public void Read_ANulAnywhereInAKnownType_IsInvalidMessage(string json) => Read(json).Reply.ShouldBe(ErrorMessage.InvalidMessage);

    [Fact]
    public void Read_ASurrogatePairIsText_AndKeptWhole() =>
        Message<ClientMessage.Chat>($$$"""{"type":"chat","data":{"target_user_id":"{{{Target}}}","message":"hi \ud83d\ude00"}}""").Message.ShouldBe("hi 😀");

    [Theory]
    [InlineData("""{"type":"ping"}""")]
    [InlineData("""{"type":"ping","data":{}}""")]
    [InlineData("""{"type":"ping","data":{"anything":[1]}}""")]
    public void Read_Ping(string json) => Message<ClientMessage.Ping>(json);

    [Fact]
    public void Read_LeaveQueue() => Message<ClientMessage.LeaveQueue>("""{"type":"leave_queue"}""");

    [Theory]
    [InlineData("""{"type":"offer","data":{"data":{"type":"offer","sdp":"v=0"}}}""")]
    [InlineData("""{"type":"answer","data":{"target_user_id":null}}""")]
    [InlineData("""{"type":"ice_candidate","data":{"target_user_id":""}}""")]
    [InlineData("""{"type":"offer","data":{}}""")]
    [InlineData("""{"type":"offer"}""")]
    public void Read_ASignalWithoutATarget_IsTargetRequired(string json) => Read(json).Reply.ShouldBe(ErrorMessage.TargetRequired);

    [Theory]
    [InlineData("offer")]
    [InlineData("answer")]
    [InlineData("ice_candidate")]
    public void Read_ASignalCarriesItsTypeTargetAndInnerData(string type)
    {
        var signal = Message<ClientMessage.Signal>($$$$"""{"type":"{{{{type}}}}","data":{"target_user_id":"{{{{Target}}}}","data":{"type":"offer","sdp":"v=0"}}}""");

        signal.Type.ShouldBe(type);
        signal.TargetUserId.ShouldBe(Guid.Parse(Target));
        signal.Payload.GetRawText().ShouldBe("""{"type":"offer","sdp":"v=0"}""");
    }

    [Fact]
    public void Read_ASignalWithoutInnerData_CarriesTheWholeOuterData()
    {
        var signal = Message<ClientMessage.Signal>(
            $$$$"""{"type":"ice_candidate","data":{"target_user_id":"{{{{Target.ToUpperInvariant()}}}}","candidate":{"candidate":"c"}}}""");

        signal.TargetUserId.ShouldBe(Guid.Parse(Target));
        signal.Payload.GetProperty("candidate").GetProperty("candidate").GetString().ShouldBe("c");
        signal.Payload.GetProperty("target_user_id").GetString().ShouldBe(Target.ToUpperInvariant());
    }

    [Fact]
    public void Read_ASignalWhoseInnerDataIsNull_CarriesNull() =>
        Message<ClientMessage.Signal>($$$"""{"type":"offer","data":{"target_user_id":"{{{Target}}}","data":null}}""").Payload.ValueKind
            .ShouldBe(JsonValueKind.Null);

    [Fact]
    public void Read_AChat()
    {
        var chat = Message<ClientMessage.Chat>($$$"""{"type":"chat","data":{"target_user_id":"{{{Target}}}","message":"  hello  "}}""");

        chat.ShouldBe(new ClientMessage.Chat(Guid.Parse(Target), "  hello  "));
    }

    [Fact]
    public void Read_AChatOfExactly2000Characters_IsAccepted() =>
        Message<ClientMessage.Chat>($$$"""{"type":"chat","data":{"target_user_id":"{{{Target}}}","message":"{{{new string('x', 2000)}}}"}}""")
            .Message.Length.ShouldBe(2000);

    [Theory]
    [InlineData("42")]
    [InlineData("{\"text\":\"hi\"}")]
    [InlineData("[\"hi\"]")]
    [InlineData("true")]
    public void Read_AChatThatIsNotAString_IsInvalidChat(string message) =>
        Read($$$$"""{"type":"chat","data":{"target_user_id":"{{{{Target}}}}","message":""" + message + "}}").Reply.ShouldBe(ErrorMessage.InvalidChat);

    [Fact]
    public void Read_AChatOver2000Characters_IsInvalidChat() =>
        Read($$$"""{"type":"chat","data":{"target_user_id":"{{{Target}}}","message":"{{{new string('x', 2001)}}}"}}""").Reply
            .ShouldBe(new ErrorMessage("Invalid chat message"));

    [Theory]
    [InlineData("""{"type":"chat","data":{"message":"hi"}}""")]
    [InlineData("""{"type":"chat","data":{"target_user_id":"","message":"hi"}}""")]
    [InlineData("""{"type":"chat","data":{"target_user_id":null,"message":"hi"}}""")]
    [InlineData("""{"type":"chat","data":{"target_user_id":"3f2a9c0d-1b4e-4a5b-8c7d-0123456789ab"}}""")]
    [InlineData("""{"type":"chat","data":{"target_user_id":"3f2a9c0d-1b4e-4a5b-8c7d-0123456789ab","message":""}}""")]
    [InlineData("""{"type":"chat","data":{"target_user_id":"3f2a9c0d-1b4e-4a5b-8c7d-0123456789ab","message":null}}""")]
    [InlineData("""{"type":"chat","data":{"target_user_id":"not-a-uuid","message":""}}""")]
    [InlineData("""{"type":"chat"}""")]
    public void Read_AChatWithoutTargetOrText_IsIgnored(string json) => Read(json).ShouldBe(ClientFrame.Ignored);

    [Theory]
    [InlineData("""{"type":"join_queue"}""", null, null)]
    [InlineData("""{"type":"join_queue","data":{}}""", null, null)]
    [InlineData("""{"type":"join_queue","data":{"mode":null,"level_filter":null}}""", "null", "null")]
    [InlineData("""{"type":"join_queue","data":{"mode":"level_filter","level_filter":6.5}}""", "\"level_filter\"", "6.5")]
    [InlineData("""{"type":"join_queue","data":{"mode":"whatever","level_filter":"x"}}""", "\"whatever\"", "\"x\"")]
    [InlineData("""{"type":"join_queue","data":{"mode":{"a":1},"level_filter":[7]}}""", "{\"a\":1}", "[7]")]
    public void Read_JoinQueue_KeepsModeAndLevelFilterAsSent_Unjudged(string json, string? mode, string? level)
    {
        var join = Message<ClientMessage.JoinQueue>(json);

        join.Mode?.GetRawText().ShouldBe(mode);
        (join.Mode is null).ShouldBe(mode is null);
        join.LevelFilter?.GetRawText().ShouldBe(level);
        (join.LevelFilter is null).ShouldBe(level is null);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData("\"true\"", false)]
    [InlineData("1", false)]
    public void Read_JoinQueue_WidensOnlyForJsonTrue(string widen, bool expected) =>
        Message<ClientMessage.JoinQueue>("""{"type":"join_queue","data":{"mode":"level_filter","widen":""" + widen + "}}").Widen.ShouldBe(expected);

    [Theory]
    [InlineData("""{"type":"end_session","data":{"session_id":"abc"}}""", "\"abc\"")]
    [InlineData("""{"type":"end_session","data":{"session_id":42}}""", "42")]
    [InlineData("""{"type":"end_session","data":{"session_id":{"id":1}}}""", "{\"id\":1}")]
    [InlineData("""{"type":"end_session","data":{"session_id":null}}""", null)]
    [InlineData("""{"type":"end_session","data":{}}""", null)]
    [InlineData("""{"type":"end_session"}""", null)]
    public void Read_EndSession_KeepsTheSessionIdAsSent(string json, string? sessionId)
    {
        var end = Message<ClientMessage.EndSession>(json);

        end.SessionIdAsSent?.GetRawText().ShouldBe(sessionId);
        (end.SessionIdAsSent is null).ShouldBe(sessionId is null);
    }

    [Theory]
    [InlineData("""{"type":"invite_partner"}""")]
    [InlineData("""{"type":"invite_partner","data":{}}""")]
    [InlineData("""{"type":"invite_partner","data":{"partner_user_id":""}}""")]
    [InlineData("""{"type":"invite_partner","data":{"partner_user_id":null}}""")]
    public void Read_AnInviteWithoutAPartner_IsPartnerRequired(string json) =>
        Read(json).Reply.ShouldBe(new ErrorMessage("partner_user_id required"));

    [Fact]
    public void Read_AnInvite_KeepsThePartnerIdAsSent() =>
        Message<ClientMessage.InvitePartner>($$$"""{"type":"invite_partner","data":{"partner_user_id":" {{{Target}}} "}}""")
            .ShouldBe(new ClientMessage.InvitePartner($" {Target} "));

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData("\"true\"", false)]
    [InlineData("\"false\"", false)]
    [InlineData("1", false)]
    [InlineData("null", false)]
    [InlineData("{}", false)]
    public void Read_AnInviteResponse_AcceptsOnlyForJsonTrue(string accepted, bool expected) =>
        Message<ClientMessage.InviteResponse>($$$$"""{"type":"invite_response","data":{"inviter_user_id":"{{{{Target}}}}","accepted":""" + accepted + "}}")
            .ShouldBe(new ClientMessage.InviteResponse(Target, expected));

    [Fact]
    public void Read_AnInviteResponseWithoutAccepted_Declines() =>
        Message<ClientMessage.InviteResponse>($$$"""{"type":"invite_response","data":{"inviter_user_id":"{{{Target}}}"}}""").Accepted.ShouldBeFalse();

    [Theory]
    [InlineData("""{"type":"invite_response","data":{"accepted":true}}""")]
    [InlineData("""{"type":"invite_response","data":{"inviter_user_id":"","accepted":true}}""")]
    [InlineData("""{"type":"invite_response","data":{"inviter_user_id":null,"accepted":true}}""")]
    [InlineData("""{"type":"invite_response"}""")]
    public void Read_AnInviteResponseWithoutInviter_IsIgnored(string json) => Read(json).ShouldBe(ClientFrame.Ignored);

    [Fact]
    public void Read_PracticeStartAndStop_CarryTheSessionId()
    {
        Message<ClientMessage.PracticeStart>($$$"""{"type":"practice_start","data":{"session_id":"{{{Target}}}"}}""")
            .ShouldBe(new ClientMessage.PracticeStart(Guid.Parse(Target)));
        Message<ClientMessage.PracticeStop>($$$"""{"type":"practice_stop","data":{"session_id":"{{{Target.ToUpperInvariant()}}}"}}""")
            .ShouldBe(new ClientMessage.PracticeStop(Guid.Parse(Target)));
    }

    [Theory]
    [InlineData("""{"type":"practice_start"}""")]
    [InlineData("""{"type":"practice_start","data":{}}""")]
    [InlineData("""{"type":"practice_stop","data":{"session_id":""}}""")]
    [InlineData("""{"type":"practice_start","data":{"session_id":null}}""")]
    public void Read_PracticeWithoutASessionId_IsSessionRequired(string json) => Read(json).Reply.ShouldBe(new ErrorMessage("session_id required"));

    [Fact]
    public void Read_EveryKnownTypeIsReadAndNoOtherIs()
    {
        ClientMessageReader.KnownTypes.ShouldBe([
            "ping", "join_queue", "leave_queue", "offer", "answer", "ice_candidate", "chat", "end_session", "invite_partner", "invite_response",
            "practice_start", "practice_stop",
        ], ignoreOrder: true);
    }

    [Fact]
    public void Read_ValuesKeptAsJson_OutliveTheFramesMemory()
    {
        var join = Frame($$$"""{"type":"join_queue","data":{"mode":"level_filter","level_filter":6.5}}""");
        var offer = Frame($$$$"""{"type":"offer","data":{"target_user_id":"{{{{Target}}}}","data":{"sdp":"v=0"}}}""");
        var end = Frame($$$"""{"type":"end_session","data":{"session_id":"{{{Target}}}"}}""");

        var joined = ClientMessageReader.Read(join).Message.ShouldBeOfType<ClientMessage.JoinQueue>();
        var signal = ClientMessageReader.Read(offer).Message.ShouldBeOfType<ClientMessage.Signal>();
        var ended = ClientMessageReader.Read(end).Message.ShouldBeOfType<ClientMessage.EndSession>();
        // The read loop returns its buffer to the pool: the next frame overwrites it.
        foreach (var buffer in new[] { join, offer, end }) Array.Fill(buffer, (byte)'#');

        joined.Mode!.Value.GetString().ShouldBe("level_filter");
        joined.LevelFilter!.Value.GetDouble().ShouldBe(6.5);
        signal.Payload.GetRawText().ShouldBe("""{"sdp":"v=0"}""");
        ended.SessionIdAsSent!.Value.GetString().ShouldBe(Target);
    }

    /// <summary>The UTF-8 of <paramref name="json"/> with each '#' replaced by <paramref name="bytes"/>.</summary>
    private static byte[] Frame(string json, params byte[] bytes)
    {
        var parts = json.Split('#');
        var frame = new List<byte>(Encoding.UTF8.GetBytes(parts[0]));
        for (var i = 1; i < parts.Length; i++)
        {
            frame.AddRange(bytes);
            frame.AddRange(Encoding.UTF8.GetBytes(parts[i]));
        }

        return frame.ToArray();
    }
}
