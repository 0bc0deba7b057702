using System.Net;
using System.Text.Json;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Practice;

/// <summary>
/// <c>matched.data</c> gains <c>practice</c>, and every key of contract 4.7 is still there with the type the
/// frontend reads (<c>toFixed(1)</c> on a number, the first letter of a non-empty name, booleans, uuid strings).
/// </summary>
public sealed class MatchedContractTests : IClassFixture<HostFixture>
{
    private readonly TestHost _host;

    public MatchedContractTests(HostFixture fixture) => _host = fixture.Host;

    private static void ShouldKeepTheContract(JsonElement data, TestUser partner, bool initiator)
    {
        data.Keys().ShouldBe(["is_initiator", "partner_id", "partner_level", "partner_username", "practice", "room_id", "session_id"]);
        data.GetProperty("partner_id").ValueKind.ShouldBe(JsonValueKind.String);
        data.Str("partner_id").ShouldBe(partner.IdText);
        data.Str("partner_id").ShouldMatch(Wire.LowercaseUuid().ToString());
        data.GetProperty("partner_username").ValueKind.ShouldBe(JsonValueKind.String);
        data.Str("partner_username").ShouldBe(partner.Username);
        data.GetProperty("partner_level").ValueKind.ShouldBe(JsonValueKind.Number);
        data.GetProperty("room_id").ValueKind.ShouldBe(JsonValueKind.String);
        data.Str("room_id").ShouldMatch("^room_[0-9a-f]{12}$");
        data.GetProperty("session_id").ValueKind.ShouldBe(JsonValueKind.String);
        data.Str("session_id").ShouldMatch(Wire.LowercaseUuid().ToString());
        data.GetProperty("is_initiator").ValueKind.ShouldBe(initiator ? JsonValueKind.True : JsonValueKind.False);
        data.GetProperty("practice").ShouldBeAPracticePayload();
    }

    [Fact]
    public async Task RouletteMatch_KeepsEveryContractKeyAndType_AndBothGetTheSameCard()
    {
        var a = await _host.RegisterAsync("Aziza", level: 6.5);
        var b = await _host.RegisterAsync("Bekzod", level: 7.0);
        await using var match = await _host.MatchAsync(a, b);

        ShouldKeepTheContract(match.FirstData, b, initiator: true);
        ShouldKeepTheContract(match.SecondData, a, initiator: false);
        match.FirstData.GetProperty("partner_level").GetDouble().ShouldBe(7.0);
        match.SecondData.GetProperty("partner_level").GetDouble().ShouldBe(6.5);
        match.FirstData.GetProperty("practice").GetRawText().ShouldBe(match.SecondData.GetProperty("practice").GetRawText());
    }

    [Fact]
    public async Task AcceptedInvitation_KeepsEveryContractKeyAndType()
    {
        var a = await _host.RegisterAsync("Aziza");
        var b = await _host.RegisterAsync("Bekzod");
        await _host.MakePartnersAsync(a, b);
        await using var wa = await _host.ConnectAsync(a);
        await using var wb = await _host.ConnectAsync(b);

        await wa.SendAsync(new { type = "invite_partner", data = new { partner_user_id = b.IdText } });
        (await wb.WaitForAsync("partner_invite")).Type().ShouldBe("partner_invite");
        await wb.SendAsync(new { type = "invite_response", data = new { inviter_user_id = a.IdText, accepted = true } });

        ShouldKeepTheContract((await wa.WaitForAsync("matched")).GetProperty("data"), b, initiator: true);
        ShouldKeepTheContract((await wb.WaitForAsync("matched")).GetProperty("data"), a, initiator: false);
    }

    [Fact]
    public async Task SessionPractice_ReturnsTheCardOfTheMatch_ToBothParticipantsOnly()
    {
        var a = await _host.RegisterAsync();
        var b = await _host.RegisterAsync();
        var stranger = await _host.RegisterAsync();
        await using var match = await _host.MatchAsync(a, b);
        var path = $"/sessions/{match.SessionId}/practice";

        foreach (var user in new[] { a, b })
            (await _host.GetOkAsync(user, path)).GetRawText().ShouldBe(match.FirstData.GetProperty("practice").GetRawText());

        await (await _host.SendAsync(HttpMethod.Get, path, stranger)).ShouldBeDetailAsync(HttpStatusCode.NotFound, "Session not found");
        await (await _host.SendAsync(HttpMethod.Get, $"/sessions/{Guid.NewGuid()}/practice", a))
            .ShouldBeDetailAsync(HttpStatusCode.NotFound, "Session not found");
        await (await _host.SendAsync(HttpMethod.Get, "/sessions/not-a-uuid/practice", a)).ShouldBeValidationErrorAsync("uuid_parsing", "path", "session_id");
        await (await _host.SendAsync(HttpMethod.Get, path, null)).ShouldBeUnauthorizedAsync("Not authenticated");
    }

    [Fact]
    public async Task SessionPractice_OfAnEndedSessionWithoutACard_IsNotFound()
    {
        var a = await _host.RegisterAsync();
        var b = await _host.RegisterAsync();
        var old = await _host.EndedSessionAsync(a, b, TimeSpan.FromMinutes(5));

        await (await _host.SendAsync(HttpMethod.Get, $"/sessions/{old}/practice", a))
            .ShouldBeDetailAsync(HttpStatusCode.NotFound, "No practice card for this session");
    }
}
