using System.Net;
using System.Text.Json;
using Dapper;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Quorra;

/// <summary>Memory snapshots and the command archive: shapes, order, validation and per-user isolation.</summary>
public sealed class QuorraMemoryAndCommandTests(QuorraFixture fixture) : IClassFixture<QuorraFixture>
{
    private readonly TestHost _host = fixture.Host;

    [Fact]
    public async Task SaveMemory_Is201WithTheSnapshot()
    {
        var user = await _host.QuorraRegisterAsync();

        var saved = await _host.QuorraJsonAsync(HttpMethod.Post, "/memory/save", user,
            new { context = "Talked about the exam — ‘band 7’", mood = "focused", tags = new[] { "ielts", "plan" } }, HttpStatusCode.Created);

        saved.Keys().ShouldBe(["archived", "context", "createdAt", "id", "mood", "tags", "user"]);
        Guid.TryParse(saved.Str("id"), out _).ShouldBeTrue();
        saved.Str("user").ShouldBe(user.Id);
        saved.Str("context").ShouldBe("Talked about the exam — ‘band 7’");
        saved.Str("mood").ShouldBe("focused");
        saved.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ShouldBe(["ielts", "plan"]);
        saved.GetProperty("archived").GetBoolean().ShouldBeFalse();
        saved.Str("createdAt").ShouldMatch(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$");
    }

    [Fact]
    public async Task SaveMemory_WithOnlyContext_HasNullMoodAndNoTags()
    {
        var user = await _host.QuorraRegisterAsync();

        var saved = await _host.QuorraJsonAsync(HttpMethod.Post, "/memory/save", user, new { context = "just this" }, HttpStatusCode.Created);

        saved.GetProperty("mood").ValueKind.ShouldBe(JsonValueKind.Null);
        saved.GetProperty("tags").GetArrayLength().ShouldBe(0);
    }

    [Theory]
    [InlineData("""{}""", "context is required")]
    [InlineData("""{"context":"   "}""", "context must not be empty")]
    [InlineData("""{"context":["a"]}""", "context must be a string")]
    [InlineData("""{"context":"x","tags":"one"}""", "tags must be an array of strings")]
    [InlineData("""{"context":"x","tags":[1,2]}""", "tags must be an array of strings")]
    [InlineData("""{"context":"x","mood":false}""", "mood must be a string")]
    public async Task SaveMemory_BadInput_Is400(string body, string error)
    {
        var user = await _host.QuorraRegisterAsync();

        await (await _host.QuorraAsync(HttpMethod.Post, "/memory/save", user, body)).ShouldBeQuorraErrorAsync(HttpStatusCode.BadRequest, error);
    }

    [Fact]
    public async Task SaveMemory_HugeContext_Is400_AndAHugeBodyIs413()
    {
        var user = await _host.QuorraRegisterAsync();

        await (await _host.QuorraAsync(HttpMethod.Post, "/memory/save", user, new { context = new string('x', 20_001) }))
            .ShouldBeQuorraErrorAsync(HttpStatusCode.BadRequest, "context must be at most 20000 characters");
        await (await _host.QuorraAsync(HttpMethod.Post, "/memory/save", user, new { context = new string('x', 2 * 1024 * 1024) }))
            .ShouldBeQuorraErrorAsync(HttpStatusCode.RequestEntityTooLarge, "Request body too large");
    }

    [Fact]
    public async Task ListMemories_IsNewestFirst_WithoutArchived_AndOnlyTheCallers()
    {
        var ann = await _host.QuorraRegisterAsync();
        var bob = await _host.QuorraRegisterAsync();
        foreach (var context in new[] { "first", "second", "third" })
            await _host.QuorraJsonAsync(HttpMethod.Post, "/memory/save", ann, new { context }, HttpStatusCode.Created);
        await _host.QuorraJsonAsync(HttpMethod.Post, "/memory/save", bob, new { context = "bob's secret" }, HttpStatusCode.Created);
        await using (var db = await _host.OpenDbAsync())
            await db.ExecuteAsync("UPDATE quorra_memories SET archived = true WHERE context = 'second' AND user_id = @id", new { id = Guid.Parse(ann.Id) });

        var list = await _host.QuorraJsonAsync(HttpMethod.Get, "/memory/list", ann);

        list.EnumerateArray().Select(m => m.Str("context")).ShouldBe(["third", "first"]);
        list.EnumerateArray().ShouldAllBe(m => m.Str("user") == ann.Id);
        (await _host.QuorraJsonAsync(HttpMethod.Get, "/memory/list", bob)).EnumerateArray().Select(m => m.Str("context")).ShouldBe(["bob's secret"]);
    }

    [Fact]
    public async Task SaveCommand_Is201WithTheCommand()
    {
        var user = await _host.QuorraRegisterAsync();

        var saved = await _host.QuorraJsonAsync(HttpMethod.Post, "/command/save", user,
            new { inputType = "audio", content = "play jazz", response = "Playing jazz", mood = "inspired" }, HttpStatusCode.Created);

        saved.Keys().ShouldBe(["content", "createdAt", "id", "inputType", "mood", "response", "user"]);
        saved.Str("inputType").ShouldBe("audio");
        saved.Str("content").ShouldBe("play jazz");
        saved.Str("response").ShouldBe("Playing jazz");
        saved.Str("mood").ShouldBe("inspired");
        saved.Str("user").ShouldBe(user.Id);
    }

    [Theory]
    [InlineData("""{"content":"hi"}""", "inputType is required")]
    [InlineData("""{"inputType":"video","content":"hi"}""", "inputType must be one of: text, audio, image")]
    [InlineData("""{"inputType":"text"}""", "content is required")]
    [InlineData("""{"inputType":"text","content":"hi","response":12}""", "response must be a string")]
    public async Task SaveCommand_BadInput_Is400(string body, string error)
    {
        var user = await _host.QuorraRegisterAsync();

        await (await _host.QuorraAsync(HttpMethod.Post, "/command/save", user, body)).ShouldBeQuorraErrorAsync(HttpStatusCode.BadRequest, error);
    }

    [Fact]
    public async Task RecentCommands_AreTheCallers25Newest_NewestFirst()
    {
        var ann = await _host.QuorraRegisterAsync();
        var bob = await _host.QuorraRegisterAsync();
        for (var i = 1; i <= 30; i++)
            await _host.QuorraJsonAsync(HttpMethod.Post, "/command/save", ann, new { inputType = "text", content = $"c{i}" }, HttpStatusCode.Created);
        await _host.QuorraJsonAsync(HttpMethod.Post, "/command/save", bob, new { inputType = "text", content = "bob" }, HttpStatusCode.Created);

        var recent = await _host.QuorraJsonAsync(HttpMethod.Get, "/command/recent", ann);

        recent.EnumerateArray().Select(c => c.Str("content")).ShouldBe(Enumerable.Range(6, 25).Reverse().Select(i => $"c{i}"));
        (await _host.QuorraJsonAsync(HttpMethod.Get, "/command/recent", bob)).EnumerateArray().Select(c => c.Str("content")).ShouldBe(["bob"]);
    }
}
