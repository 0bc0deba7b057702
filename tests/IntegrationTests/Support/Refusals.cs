using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Speaking.IntegrationTests.Support;

/// <summary>
/// Requests built from raw bytes (so a test can send what no serializer would write: lone surrogates, NUL, invalid
/// UTF-8) and the check that an answer is a refusal in the contract's shape: never a 5xx, a JSON body whose
/// <c>detail</c> is a text or the 422 list, and the CORS headers of an allowed origin.
/// </summary>
public static class Refusals
{
    /// <summary>An origin the test hosts allow (the default CORS_ORIGINS).</summary>
    public const string Origin = "http://localhost:3000";

    public static HttpRequestMessage RawRequest(HttpMethod method, string path, byte[]? body, string? contentType = "application/json",
        string? token = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("Origin", Origin);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            if (contentType is not null) request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            // A body over an endpoint's limit is refused (413) unread; waiting for "100 Continue" lets the client read
            // the 413 instead of writing into a connection the server is closing.
            if (body.Length > 8 * 1024) request.Headers.ExpectContinue = true;
        }

        return request;
    }

    public static HttpRequestMessage RawRequest(HttpMethod method, string path, string body, string? contentType = "application/json",
        string? token = null) => RawRequest(method, path, Encoding.UTF8.GetBytes(body), contentType, token);

    /// <summary>
    /// The answer is not a 5xx and has the contract's shape (<see cref="ShouldHaveTheContractShapeAsync"/>).
    /// Returns the body of a refusal (or default for a success).
    /// </summary>
    public static async Task<JsonElement> ShouldBeAContractAnswerAsync(this HttpResponseMessage response, string because = "")
    {
        ((int)response.StatusCode).ShouldBeLessThan(500, $"{because} -> {(int)response.StatusCode} {Shorten(await response.Content.ReadAsStringAsync())}");
        return await response.ShouldHaveTheContractShapeAsync(because);
    }

    /// <summary>
    /// The answer carries the allowed origin's CORS headers and, when it is an error, its body is
    /// <c>{"detail": "text"}</c> or the 422 list whose items all have type, loc and msg. Returns the body (or default).
    /// </summary>
    public static async Task<JsonElement> ShouldHaveTheContractShapeAsync(this HttpResponseMessage response, string because = "")
    {
        var text = await response.Content.ReadAsStringAsync();
        var status = (int)response.StatusCode;
        var what = $"{because} -> {status} {Shorten(text)}";
        response.Headers.TryGetValues("Access-Control-Allow-Origin", out var allowed).ShouldBeTrue(what);
        allowed!.ShouldBe([Origin], what);
        if (status < 400) return default;

        JsonElement body;
        try
        {
            using var document = JsonDocument.Parse(text);
            body = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new ShouldAssertException($"The {status} body is not JSON: {what}");
        }

        body.ValueKind.ShouldBe(JsonValueKind.Object, what);
        body.Keys().ShouldBe(["detail"], what);
        var detail = body.GetProperty("detail");
        if (status == 422)
        {
            detail.ValueKind.ShouldBe(JsonValueKind.Array, what);
            detail.GetArrayLength().ShouldBeGreaterThan(0, what);
            foreach (var item in detail.EnumerateArray())
            {
                item.GetProperty("type").ValueKind.ShouldBe(JsonValueKind.String, what);
                item.GetProperty("msg").ValueKind.ShouldBe(JsonValueKind.String, what);
                item.GetProperty("loc").ValueKind.ShouldBe(JsonValueKind.Array, what);
            }
        }
        else
        {
            detail.ValueKind.ShouldBe(JsonValueKind.String, what);
        }

        return body;
    }

    /// <summary>The first 422 item, after checking the answer's shape.</summary>
    public static async Task<JsonElement> ShouldBe422Async(this HttpResponseMessage response, string type, params object[] loc)
    {
        var body = await response.ShouldBeAContractAnswerAsync();
        ((int)response.StatusCode).ShouldBe(422, body.GetRawText());
        var wanted = JsonSerializer.Serialize(loc);
        var item = body.GetProperty("detail").EnumerateArray()
            .FirstOrDefault(i => i.Str("type") == type && LocStartsWith(i.GetProperty("loc"), loc));
        item.ValueKind.ShouldNotBe(JsonValueKind.Undefined, $"no {type} at {wanted}... in {body.GetRawText()}");
        return item;
    }

    private static bool LocStartsWith(JsonElement loc, object[] prefix)
    {
        var parts = loc.EnumerateArray().Select(p => p.ValueKind == JsonValueKind.String ? (object)p.GetString()! : p.GetRawText()).ToArray();
        return parts.Length >= prefix.Length && prefix.Select((p, i) => Equals(p.ToString(), parts[i].ToString())).All(x => x);
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
