using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Quorra;

public sealed record QuorraUser(string Id, string Username, string Password, string Token);

/// <summary>Steps and assertions for Quorra's wire: base path /quorra, camelCase bodies, {"error": ...} errors.</summary>
public static class QuorraSteps
{
    public const string TokenMissing = "Token yo\u2018q";
    public const string TokenInvalid = "Token noto\u2018g\u2018ri yoki muddati tugagan";
    public const string RootPin = "pin-4321";

    public static async Task<QuorraUser> QuorraRegisterAsync(this TestHost host, string? username = null, string password = "secret123")
    {
        username ??= "q" + Guid.NewGuid().ToString("N")[..12];
        var registered = await host.QuorraAsync(HttpMethod.Post, "/auth/register", null, new { username, password });
        var body = await registered.Content.ReadAsStringAsync();
        if (registered.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"Register failed: {registered.StatusCode} {body}");
        var id = JsonDocument.Parse(body).RootElement.Str("userId");
        var login = await host.QuorraAsync(HttpMethod.Post, "/auth/login", null, new { username, password });
        login.StatusCode.ShouldBe(HttpStatusCode.OK, await login.Content.ReadAsStringAsync());
        return new QuorraUser(id, username, password, (await login.ReadJsonAsync()).Str("token"));
    }

    /// <summary>A request to <c>/quorra{path}</c> with the user's bearer token; <paramref name="json"/> is sent as is (a string is raw text).</summary>
    public static HttpRequestMessage QuorraRequest(HttpMethod method, string path, QuorraUser? user, object? json = null,
        IDictionary<string, string>? headers = null)
    {
        var request = new HttpRequestMessage(method, "/quorra" + path);
        if (user is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        if (json is not null)
            request.Content = new StringContent(json as string ?? JsonSerializer.Serialize(json), Encoding.UTF8, "application/json");
        foreach (var (name, value) in headers ?? new Dictionary<string, string>()) request.Headers.TryAddWithoutValidation(name, value);
        return request;
    }

    public static Task<HttpResponseMessage> QuorraAsync(this TestHost host, HttpMethod method, string path, QuorraUser? user, object? json = null,
        IDictionary<string, string>? headers = null) =>
        host.Http.SendAsync(QuorraRequest(method, path, user, json, headers));

    public static async Task<JsonElement> QuorraJsonAsync(this TestHost host, HttpMethod method, string path, QuorraUser user, object? json = null,
        HttpStatusCode expected = HttpStatusCode.OK)
    {
        var response = await host.QuorraAsync(method, path, user, json);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(expected, body);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Status and exactly <c>{"error": text}</c>.</summary>
    public static async Task ShouldBeQuorraErrorAsync(this HttpResponseMessage response, HttpStatusCode status, string? text = null)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, body);
        using var json = JsonDocument.Parse(body);
        json.RootElement.Keys().ShouldBe(["error"], body);
        json.RootElement.GetProperty("error").ValueKind.ShouldBe(JsonValueKind.String);
        if (text is not null) json.RootElement.Str("error").ShouldBe(text, $"body: {body}");
        else json.RootElement.Str("error").ShouldNotBeNullOrWhiteSpace();
    }

    public static Uri QuorraSocketUri(this TestHost host, string? token) =>
        new($"ws://127.0.0.1:{host.App.BoundPort}/quorra/ws" + (token is null ? "" : "?token=" + Uri.EscapeDataString(token)));

    public static Task<WsClient> QuorraConnectAsync(this TestHost host, QuorraUser user) => WsClient.ConnectAsync(host.QuorraSocketUri(user.Token));

    /// <summary>The HTTP status that refused a WebSocket handshake.</summary>
    public static async Task<HttpStatusCode> RefusedHandshakeAsync(Uri uri)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        await Should.ThrowAsync<WebSocketException>(() => socket.ConnectAsync(uri, CancellationToken.None));
        return socket.HttpStatusCode;
    }
}

/// <summary>One host for a Quorra test class: a configured root PIN, a 1-second reminder poll, the 15-minute sync default.</summary>
public class QuorraFixture : HostFixture
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["ROOT_PIN"] = QuorraSteps.RootPin,
        ["QUORRA_REMINDER_POLL_SECONDS"] = "1",
        ["QUORRA_ROOT_PIN_MAX_FAILURES_PER_USER"] = "3",
        ["QUORRA_ROOT_PIN_MAX_FAILURES_PER_ADDRESS"] = "1000",
    };
}
