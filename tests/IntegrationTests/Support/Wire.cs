using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Speaking.IntegrationTests.Support;

/// <summary>Assertions on the contract's wire shapes, shared by the REST and WebSocket suites.</summary>
public static partial class Wire
{
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")]
    public static partial Regex Timestamp();

    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    public static partial Regex LowercaseUuid();

    /// <summary>Status and exact <c>{"detail": "..."}</c> body.</summary>
    public static async Task ShouldBeDetailAsync(this HttpResponseMessage response, HttpStatusCode status, string detail)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, body);
        using var json = JsonDocument.Parse(body);
        json.RootElement.Keys().ShouldBe(["detail"]);
        json.RootElement.Str("detail").ShouldBe(detail);
    }

    /// <summary>Status and exact <c>{"message": "..."}</c> body.</summary>
    public static async Task ShouldBeMessageAsync(this HttpResponseMessage response, string message)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        using var json = JsonDocument.Parse(body);
        json.RootElement.Keys().ShouldBe(["message"]);
        json.RootElement.Str("message").ShouldBe(message);
    }

    /// <summary>A 401 of contract 2.1: the body and <c>WWW-Authenticate: Bearer</c>.</summary>
    public static async Task ShouldBeUnauthorizedAsync(this HttpResponseMessage response, string detail)
    {
        await response.ShouldBeDetailAsync(HttpStatusCode.Unauthorized, detail);
        response.Headers.WwwAuthenticate.ToString().ShouldBe("Bearer");
    }

    /// <summary>
    /// A 422 of contract 2.2 whose list holds an item of <paramref name="type"/> at <paramref name="loc"/>; every item
    /// has type, loc and msg. Returns the matching item.
    /// </summary>
    public static async Task<JsonElement> ShouldBeValidationErrorAsync(this HttpResponseMessage response, string type, params object[] loc)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity, body);
        using var json = JsonDocument.Parse(body);
        var items = json.RootElement.GetProperty("detail").EnumerateArray().Select(i => i.Clone()).ToList();
        items.ShouldNotBeEmpty();
        foreach (var item in items)
        {
            item.GetProperty("type").ValueKind.ShouldBe(JsonValueKind.String);
            item.GetProperty("msg").ValueKind.ShouldBe(JsonValueKind.String);
            item.GetProperty("loc").ValueKind.ShouldBe(JsonValueKind.Array);
        }

        var wanted = JsonSerializer.Serialize(loc);
        var match = items.FirstOrDefault(i => i.Str("type") == type && i.GetProperty("loc").GetRawText().Replace(" ", "") == wanted);
        match.ValueKind.ShouldNotBe(JsonValueKind.Undefined, $"no {type} at {wanted} in {body}");
        return match;
    }

    /// <summary>The loc lists of a 422 body, as compact JSON texts.</summary>
    public static async Task<IReadOnlyList<string>> ValidationLocsAsync(this HttpResponseMessage response)
    {
        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var json = await response.ReadJsonAsync();
        return json.GetProperty("detail").EnumerateArray().Select(i => i.Str("type") + " " + i.GetProperty("loc").GetRawText().Replace(" ", "")).ToList();
    }

    /// <summary>A JWS signed by hand exactly as the original signs (HMAC-SHA256 over header.payload, raw UTF-8 key).</summary>
    public static string MintToken(object payload, string secret = TestHost.Secret, string header = """{"alg":"HS256","typ":"JWT"}""")
    {
        var signingInput = Base64Url(Encoding.UTF8.GetBytes(header)) + "." + Base64Url(JsonSerializer.SerializeToUtf8Bytes(payload));
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(signingInput));
        return signingInput + "." + Base64Url(signature);
    }

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static long UnixIn(TimeSpan offset) => DateTimeOffset.UtcNow.Add(offset).ToUnixTimeSeconds();

    /// <summary>A request with a raw Authorization header value (or none) and an optional raw body.</summary>
    public static HttpRequestMessage Raw(HttpMethod method, string path, string? authorization, string? body = null, string contentType = "application/json")
    {
        var request = new HttpRequestMessage(method, path);
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, contentType);
        return request;
    }
}

/// <summary>One host for a whole test class; each test registers its own users.</summary>
public class HostFixture : IAsyncLifetime
{
    public TestHost Host { get; private set; } = null!;

    protected virtual IDictionary<string, string?>? Settings => null;

    public async Task InitializeAsync() => Host = await TestHost.StartAsync(Settings);

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>A fresh service and database for every test of the class (xUnit makes one class instance per test).</summary>
public abstract class HostPerTest : IAsyncLifetime
{
    protected TestHost Host { get; private set; } = null!;

    protected virtual IDictionary<string, string?>? Settings => null;

    protected virtual Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? ReplaceServices => null;

    public async Task InitializeAsync() => Host = await TestHost.StartAsync(Settings, replaceServices: ReplaceServices);

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
