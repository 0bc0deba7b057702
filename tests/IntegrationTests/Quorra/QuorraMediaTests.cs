using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Dapper;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Quorra;

/// <summary>Media entries by URL (the original's form) and uploaded files stored in PostgreSQL, streamed back to their owner only.</summary>
public sealed class QuorraMediaTests(QuorraFixture fixture) : IClassFixture<QuorraFixture>
{
    private const int MiB = 1024 * 1024;
    private readonly TestHost _host = fixture.Host;

    [Fact]
    public async Task UploadByUrl_Is201WithMessageAndMedia()
    {
        var user = await _host.QuorraRegisterAsync();

        var saved = await _host.QuorraJsonAsync(HttpMethod.Post, "/media/upload", user,
            new { title = "Morning mix", type = "audio", url = "https://example.com/a.mp3", duration = 182.5, tags = new[] { "music" } }, HttpStatusCode.Created);

        saved.Keys().ShouldBe(["media", "message"]);
        saved.Str("message").ShouldBe("Media saved");
        var media = saved.GetProperty("media");
        media.Keys().ShouldBe(["createdAt", "duration", "file", "id", "tags", "title", "type", "url", "user"]);
        media.Str("title").ShouldBe("Morning mix");
        media.Str("type").ShouldBe("audio");
        media.Str("url").ShouldBe("https://example.com/a.mp3");
        media.GetProperty("duration").GetDouble().ShouldBe(182.5);
        media.GetProperty("file").ValueKind.ShouldBe(JsonValueKind.Null);
        media.Str("user").ShouldBe(user.Id);
    }

    [Theory]
    [InlineData("""{"url":"https://x/a.mp3"}""", "type is required")]
    [InlineData("""{"type":"image","url":"https://x/a.png"}""", "type must be one of: audio, video")]
    [InlineData("""{"type":"video"}""", "url is required")]
    [InlineData("""{"type":"video","url":"https://x/v","duration":"long"}""", "duration must be a number")]
    [InlineData("""{"type":"video","url":"https://x/v","duration":-1}""", "duration must be a number from 0 to 1000000000")]
    public async Task UploadByUrl_BadInput_Is400(string body, string error)
    {
        var user = await _host.QuorraRegisterAsync();

        await (await _host.QuorraAsync(HttpMethod.Post, "/media/upload", user, body)).ShouldBeQuorraErrorAsync(HttpStatusCode.BadRequest, error);
    }

    [Fact]
    public async Task UploadAFile_StoresItInPostgres_AndStreamsItBackToItsOwnerOnly()
    {
        var ann = await _host.QuorraRegisterAsync();
        var bob = await _host.QuorraRegisterAsync();
        var bytes = new byte[300_000];
        new Random(7).NextBytes(bytes);

        var response = await _host.Http.SendAsync(Upload(ann, bytes, "audio/mpeg", "song.mp3", ("title", "Song"), ("tags", "a"), ("tags", "b"), ("duration", "12.5")));

        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, body);
        var media = JsonDocument.Parse(body).RootElement.GetProperty("media");
        var id = media.Str("id");
        media.Str("type").ShouldBe("audio");
        media.Str("url").ShouldBe($"/quorra/media/{id}/file");
        media.GetProperty("file").Str("name").ShouldBe("song.mp3");
        media.GetProperty("file").Str("contentType").ShouldBe("audio/mpeg");
        media.GetProperty("file").GetProperty("size").GetInt64().ShouldBe(bytes.Length);
        media.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ShouldBe(["a", "b"]);
        media.GetProperty("duration").GetDouble().ShouldBe(12.5);

        await using (var db = await _host.OpenDbAsync())
            (await db.ExecuteScalarAsync<byte[]>("SELECT content FROM quorra_media_files WHERE media_id = @id", new { id = Guid.Parse(id) })).ShouldBe(bytes);

        var file = await _host.QuorraAsync(HttpMethod.Get, $"/media/{id}/file", ann);
        file.StatusCode.ShouldBe(HttpStatusCode.OK);
        file.Content.Headers.ContentType!.MediaType.ShouldBe("audio/mpeg");
        (await file.Content.ReadAsByteArrayAsync()).ShouldBe(bytes);

        await (await _host.QuorraAsync(HttpMethod.Get, $"/media/{id}/file", bob)).ShouldBeQuorraErrorAsync(HttpStatusCode.NotFound, "Media not found");
        (await _host.QuorraJsonAsync(HttpMethod.Get, "/media/my", bob)).GetArrayLength().ShouldBe(0);
    }

    [Theory]
    [InlineData("/media/00000000-0000-0000-0000-000000000000/file")]
    [InlineData("/media/not-an-id/file")]
    public async Task FileOfAnUnknownId_Is404(string path)
    {
        var user = await _host.QuorraRegisterAsync();

        await (await _host.QuorraAsync(HttpMethod.Get, path, user)).ShouldBeQuorraErrorAsync(HttpStatusCode.NotFound, "Media not found");
    }

    [Fact]
    public async Task FileOfAUrlOnlyEntry_Is404()
    {
        var user = await _host.QuorraRegisterAsync();
        var saved = await _host.QuorraJsonAsync(HttpMethod.Post, "/media/upload", user, new { type = "video", url = "https://x/v.mp4" }, HttpStatusCode.Created);

        var response = await _host.QuorraAsync(HttpMethod.Get, $"/media/{saved.GetProperty("media").Str("id")}/file", user);

        await response.ShouldBeQuorraErrorAsync(HttpStatusCode.NotFound, "Media not found");
    }

    [Fact]
    public async Task UploadAFile_ThatIsNotAudioOrVideo_Is415()
    {
        var user = await _host.QuorraRegisterAsync();

        var response = await _host.Http.SendAsync(Upload(user, [1, 2, 3], "image/png", "cat.png"));

        await response.ShouldBeQuorraErrorAsync(HttpStatusCode.UnsupportedMediaType, "The file must be audio/* or video/*");
        (await _host.QuorraJsonAsync(HttpMethod.Get, "/media/my", user)).GetArrayLength().ShouldBe(0);
    }

    [Theory]
    [InlineData(25 * MiB + 1)]
    [InlineData(29 * MiB)]
    public async Task UploadAFile_OverTwentyFiveMiB_Is413(int size)
    {
        var user = await _host.QuorraRegisterAsync();

        var request = Upload(user, new byte[size], "video/mp4", "big.mp4");
        // The server refuses a body announced as too large before reading it; the client waits for that answer
        // instead of writing the body into a connection the server is closing.
        request.Headers.ExpectContinue = true;
        var response = await _host.Http.SendAsync(request);

        await response.ShouldBeQuorraErrorAsync(HttpStatusCode.RequestEntityTooLarge, "File too large: the limit is 25 MiB");
        await using var db = await _host.OpenDbAsync();
        (await db.ExecuteScalarAsync<int>("SELECT count(*) FROM quorra_media WHERE user_id = @id", new { id = Guid.Parse(user.Id) })).ShouldBe(0);
    }

    [Fact]
    public async Task UploadAFile_OfExactlyTwentyFiveMiB_IsAccepted()
    {
        var user = await _host.QuorraRegisterAsync();

        var response = await _host.Http.SendAsync(Upload(user, new byte[25 * MiB], "video/mp4", "max.mp4"));

        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UploadAFile_MismatchedType_OrWithAUrl_OrWithoutAFile_Is400()
    {
        var user = await _host.QuorraRegisterAsync();

        await (await _host.Http.SendAsync(Upload(user, [1], "audio/ogg", "a.ogg", ("type", "video"))))
            .ShouldBeQuorraErrorAsync(HttpStatusCode.BadRequest, "type is video but the file is audio/ogg");
        await (await _host.Http.SendAsync(Upload(user, [1], "audio/ogg", "a.ogg", ("url", "https://x"))))
            .ShouldBeQuorraErrorAsync(HttpStatusCode.BadRequest, "url cannot be sent with a file: the file gets its own");
        var noFile = QuorraSteps.QuorraRequest(HttpMethod.Post, "/media/upload", user);
        noFile.Content = new MultipartFormDataContent { { new StringContent("t"), "title" } };
        await (await _host.Http.SendAsync(noFile))
            .ShouldBeQuorraErrorAsync(HttpStatusCode.BadRequest, "file is required: send the audio or video in the form field \"file\"");
    }

    [Theory]
    [InlineData("multipart/form-data", "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.mp3\"\r\n\r\nabc")]
    [InlineData("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.mp3\"\r\n\r\nabc")]
    [InlineData("multipart/form-data; boundary=x", "garbage")]
    public async Task AMalformedMultipartBody_Is400(string contentType, string body)
    {
        var user = await _host.QuorraRegisterAsync();
        var request = QuorraSteps.QuorraRequest(HttpMethod.Post, "/media/upload", user);
        request.Content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(body));
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        await (await _host.Http.SendAsync(request)).ShouldBeQuorraErrorAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task ListMyMedia_IsNewestFirst_AndOnlyTheCallers()
    {
        var ann = await _host.QuorraRegisterAsync();
        var bob = await _host.QuorraRegisterAsync();
        await _host.QuorraJsonAsync(HttpMethod.Post, "/media/upload", ann, new { title = "one", type = "audio", url = "u1" }, HttpStatusCode.Created);
        await _host.QuorraJsonAsync(HttpMethod.Post, "/media/upload", ann, new { title = "two", type = "video", url = "u2" }, HttpStatusCode.Created);
        await _host.QuorraJsonAsync(HttpMethod.Post, "/media/upload", bob, new { title = "bob", type = "audio", url = "u3" }, HttpStatusCode.Created);

        (await _host.QuorraJsonAsync(HttpMethod.Get, "/media/my", ann)).EnumerateArray().Select(m => m.Str("title")).ShouldBe(["two", "one"]);
        (await _host.QuorraJsonAsync(HttpMethod.Get, "/media/my", bob)).EnumerateArray().Select(m => m.Str("title")).ShouldBe(["bob"]);
    }

    private static HttpRequestMessage Upload(QuorraUser user, byte[] bytes, string contentType, string fileName, params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, value) in fields) form.Add(new StringContent(value), name);
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        form.Add(file, "file", fileName);
        var request = QuorraSteps.QuorraRequest(HttpMethod.Post, "/media/upload", user);
        request.Content = form;
        return request;
    }
}
