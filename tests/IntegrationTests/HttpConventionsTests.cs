using System.Net;
using System.Net.Http.Headers;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests;

/// <summary>Contract 1.3, 2.3 and 2.5: CORS on every answer (D-30), generic 404/405, bodiless POSTs with a JSON content type.</summary>
public sealed class HttpConventionsTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private const string Frontend = "http://localhost:3000";
    private readonly TestHost _host = fixture.Host;

    private static HttpRequestMessage Preflight(string origin, string path = "/auth/register")
    {
        var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        return request;
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : "";

    [Fact]
    public async Task Preflight_FromTheFrontendOrigin_Is200OkWithTheAllowHeaders()
    {
        var response = await _host.Http.SendAsync(Preflight(Frontend));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).ShouldBe("OK");
        Header(response, "Access-Control-Allow-Origin").ShouldBe(Frontend);
        Header(response, "Access-Control-Allow-Methods").ShouldBe("DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT");
        Header(response, "Access-Control-Allow-Headers").ShouldBe("authorization,content-type");
        Header(response, "Access-Control-Allow-Credentials").ShouldBe("true");
        Header(response, "Access-Control-Max-Age").ShouldBe("600");
        Header(response, "Vary").ShouldContain("Origin");
    }

    [Fact]
    public async Task Preflight_OfAProtectedEndpoint_NeedsNoToken()
    {
        var response = await _host.Http.SendAsync(Preflight("http://127.0.0.1:3000", "/partners/"));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        Header(response, "Access-Control-Allow-Origin").ShouldBe("http://127.0.0.1:3000");
    }

    [Fact]
    public async Task Preflight_FromADisallowedOrigin_Is400DisallowedCorsOrigin()
    {
        var response = await _host.Http.SendAsync(Preflight("http://evil.example.com"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldBe("Disallowed CORS origin");
        Header(response, "Access-Control-Allow-Origin").ShouldBeEmpty();
    }

    [Theory]
    [InlineData("/nowhere", HttpStatusCode.NotFound)]
    [InlineData("/auth/me", HttpStatusCode.Unauthorized)]
    [InlineData("/health", HttpStatusCode.OK)]
    public async Task Responses_ToAnAllowedOrigin_CarryCorsHeaders_AlsoOnErrors(string path, HttpStatusCode status)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Origin", Frontend);

        var response = await _host.Http.SendAsync(request);

        response.StatusCode.ShouldBe(status);
        Header(response, "Access-Control-Allow-Origin").ShouldBe(Frontend);
        Header(response, "Access-Control-Allow-Credentials").ShouldBe("true");
        Header(response, "Vary").ShouldContain("Origin");
    }

    [Fact]
    public async Task Responses_ToADisallowedOrigin_CarryNoAllowOrigin()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/health");
        request.Headers.Add("Origin", "http://evil.example.com");

        var response = await _host.Http.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        Header(response, "Access-Control-Allow-Origin").ShouldBeEmpty();
    }

    [Fact]
    public async Task UnknownPath_Is404NotFound()
    {
        await (await _host.Http.GetAsync("/no/such/path")).ShouldBeDetailAsync(HttpStatusCode.NotFound, "Not Found");
    }

    [Fact]
    public async Task WrongMethod_Is405MethodNotAllowed_WithAllowHeader()
    {
        var response = await _host.Http.DeleteAsync("/health");

        await response.ShouldBeDetailAsync(HttpStatusCode.MethodNotAllowed, "Method Not Allowed");
        response.Content.Headers.Allow.ShouldContain("GET");
    }

    [Fact]
    public async Task Root_AnswersTheServiceBanner()
    {
        var body = await (await _host.Http.GetAsync("/")).ReadJsonAsync();

        body.Str("message").ShouldBe("IELTS Speaking Partner API");
        body.Str("status").ShouldBe("running");
        body.Str("version").ShouldBe("1.0.0");
    }

    [Fact]
    public async Task BodilessPosts_WithAJsonContentType_Succeed()
    {
        var user = await _host.RegisterAsync();

        var join = await _host.SendAsync(HttpMethod.Post, "/queue/roulette", user);
        join.StatusCode.ShouldBe(HttpStatusCode.OK, await join.Content.ReadAsStringAsync());
        (await join.ReadJsonAsync()).GetProperty("in_queue").GetBoolean().ShouldBeTrue();

        var leave = await _host.SendAsync(HttpMethod.Post, "/queue/leave", user);
        await leave.ShouldBeMessageAsync("Left queue successfully");
        leave.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
    }

    [Fact]
    public async Task BodilessPost_WithNoContentTypeAtAll_Succeeds()
    {
        var user = await _host.RegisterAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "/queue/roulette");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);

        (await _host.Http.SendAsync(request)).StatusCode.ShouldBe(HttpStatusCode.OK);
        await (await _host.SendAsync(HttpMethod.Post, "/queue/leave", user)).ShouldBeMessageAsync("Left queue successfully");
    }
}
