using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Speaking.Application.Common;
using Speaking.Application.Practice;
using Speaking.Domain.Practice;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Practice;

/// <summary>
/// The timed exam script in the real service: practice_start stores it in PostgreSQL, the background driver
/// announces each phase to both when the (movable) clock reaches it, roles swap, practice_stop ends it.
/// </summary>
public sealed class PracticeScriptTests
{
    private static string Phase(JsonElement message)
    {
        message.Type().ShouldBe("practice_phase");
        var data = message.GetProperty("data");
        data.Keys().ShouldBe(["ends_at", "part", "phase", "session_id", "speaker_user_id"]);
        return data.GetProperty("part").ValueKind == JsonValueKind.Null
            ? data.Str("phase")
            : $"{data.GetProperty("part").GetInt32()} {data.Str("phase")} {data.Str("speaker_user_id")}";
    }

    [Fact]
    public async Task TheScript_RunsPart1ForEachPartnerInTurn_AsTheClockMoves_AndStopsOnRequest()
    {
        var clock = new MovableClock();
        await using var host = await TestHost.StartAsync(replaceServices: services => services.AddSingleton<IClock>(clock));
        var a = await host.RegisterAsync();
        var b = await host.RegisterAsync();
        await using var match = await host.MatchAsync(a, b);

        await match.Second.SendAsync(new { type = "practice_start", data = new { session_id = match.SessionId.ToString() } });
        var first = await match.Second.WaitForAsync("practice_phase");
        Phase(first).ShouldBe($"1 questions {b.IdText}"); // the starter is the first candidate
        first.GetProperty("data").Str("session_id").ShouldBe(match.SessionId.ToString());
        first.GetProperty("data").Str("ends_at").ShouldMatch(Wire.Timestamp().ToString());
        (await match.First.WaitForAsync("practice_phase")).GetRawText().ShouldBe(first.GetRawText());

        clock.Advance(TimeSpan.FromSeconds(300));
        Phase(await match.First.WaitForAsync("practice_phase")).ShouldBe($"1 questions {a.IdText}");
        Phase(await match.Second.WaitForAsync("practice_phase")).ShouldBe($"1 questions {a.IdText}");

        clock.Advance(TimeSpan.FromSeconds(300));
        Phase(await match.First.WaitForAsync("practice_phase")).ShouldBe($"2 prepare {b.IdText}");
        Phase(await match.Second.WaitForAsync("practice_phase")).ShouldBe($"2 prepare {b.IdText}");

        await match.First.SendAsync(new { type = "practice_stop", data = new { session_id = match.SessionId.ToString() } });
        Phase(await match.First.WaitForAsync("practice_phase")).ShouldBe("finished");
        Phase(await match.Second.WaitForAsync("practice_phase")).ShouldBe("finished");

        clock.Advance(TimeSpan.FromHours(1));
        await using var db = await host.OpenDbAsync();
        (await db.ExecuteScalarAsync<string>("SELECT status FROM practice_scripts WHERE session_id = @SessionId", new { match.SessionId }))
            .ShouldBe("stopped");
        (await match.First.DrainAsync()).ShouldBeEmpty();
        (await match.Second.DrainAsync()).ShouldBeEmpty();
        (await host.SessionStatusAsync(match.SessionId)).ShouldBe("active"); // stopping the script does not end the call
    }

    [Fact]
    public async Task BadPracticeMessages_AreAnsweredWithErrors_AndTheSocketStaysOpen()
    {
        await using var host = await TestHost.StartAsync();
        var a = await host.RegisterAsync();
        var b = await host.RegisterAsync();
        var outsider = await host.RegisterAsync();
        var session = await host.StartAsync(a, b);
        await using var wa = await host.ConnectAsync(a);
        await wa.WaitForAsync("matched"); // A's connection takes A's side of the session over (A-2)
        await using var wo = await host.ConnectAsync(outsider);

        async Task<string> Answer(WsClient ws, string json)
        {
            await ws.SendTextAsync(json);
            return (await ws.NextAsync()).GetRawText();
        }

        (await Answer(wa, """{"type":"practice_start","data":{}}""")).ShouldBe("""{"type":"error","message":"session_id required"}""");
        (await Answer(wa, """{"type":"practice_start","data":{"session_id":"12"}}""")).ShouldBe("""{"type":"error","message":"Invalid message"}""");
        (await Answer(wa, """{"type":"practice_start","data":null}""")).ShouldBe("""{"type":"error","message":"Invalid message"}""");
        (await Answer(wa, $$$"""{"type":"practice_start","data":{"session_id":"{{{Guid.NewGuid()}}}"}}"""))
            .ShouldBe("""{"type":"error","message":"Not in this active session"}""");
        (await Answer(wo, $$$"""{"type":"practice_start","data":{"session_id":"{{{session}}}"}}"""))
            .ShouldBe("""{"type":"error","message":"Not in this active session"}""");
        (await Answer(wa, $$$"""{"type":"practice_stop","data":{"session_id":"{{{session}}}"}}"""))
            .ShouldBe("""{"type":"error","message":"No practice running"}""");

        (await Answer(wa, $$$"""{"type":"practice_start","data":{"session_id":"{{{session}}}"}}""")).ShouldContain("practice_phase");
        (await Answer(wa, $$$"""{"type":"practice_start","data":{"session_id":"{{{session}}}"}}"""))
            .ShouldBe("""{"type":"error","message":"Practice already running"}""");
        (await Answer(wo, $$$"""{"type":"practice_stop","data":{"session_id":"{{{session}}}"}}"""))
            .ShouldBe("""{"type":"error","message":"No practice running"}""");
        (await Answer(wa, """{"type":"ping"}""")).ShouldBe("""{"type":"pong"}""");
    }

    [Fact]
    public async Task ADuePhaseChange_IsClaimedByOneDriverAtATime_AndGivenBackIfNotCommitted()
    {
        await using var host = await TestHost.StartAsync();
        var a = await host.RegisterAsync();
        var b = await host.RegisterAsync();
        var session = await host.StartAsync(a, b);
        var scripts = host.App.Web.Services.GetRequiredService<IPracticeScriptRepository>();
        var now = new SystemClock().UtcNow; // whole microseconds, as stored
        (await scripts.TryStartAsync(PracticeScript.Start(session, a.Id, b.Id, now, PracticeTimings.Exam), default)).ShouldBeTrue();
        // Due for these claims only: the service's own driver still sees the first phase running.
        var later = now.AddSeconds(310);

        await using (var first = await scripts.ClaimDueAsync(later, 10, default))
        {
            first.Scripts.ShouldHaveSingleItem().Script.SessionId.ShouldBe(session);
            await using var second = await scripts.ClaimDueAsync(later, 10, default);
            second.Scripts.ShouldBeEmpty(); // another node skips the locked row instead of waiting or repeating it
        } // disposed without a commit: given back

        await using (var third = await scripts.ClaimDueAsync(later, 10, default))
        {
            var (script, active) = third.Scripts.ShouldHaveSingleItem();
            active.ShouldBeTrue();
            script.Advance(later, active).Kind.ShouldBe(PracticeStepKind.PhaseStarted);
            await third.SaveAsync(script, default);
            await third.CommitAsync(default);
        }

        (await scripts.ClaimDueAsync(later, 10, default)).Scripts.ShouldBeEmpty();
        var stored = (await scripts.GetAsync(session, default))!;
        (stored.PhaseIndex, stored.NextPhaseAt).ShouldBe((1, now.AddSeconds(600)));
    }
}
