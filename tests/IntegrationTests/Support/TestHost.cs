using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Npgsql;
using Speaking.Api;

namespace Speaking.IntegrationTests.Support;

public sealed record TestUser(Guid Id, string Email, string Password, string Username, string Token)
{
    public string IdText => Id.ToString();
}

/// <summary>
/// The real service on a real Kestrel port (127.0.0.1, free port) against its own database in the shared test
/// cluster. Matchmaking runs every second; passwords use fewer PBKDF2 iterations so suites stay quick.
/// </summary>
public sealed class TestHost : IAsyncDisposable
{
    /// <summary>25 characters, like the original's compose default: shorter than HS256's 32-byte key size.</summary>
    public const string Secret = "integration-test-secret25";

    private TestHost(SpeakingApp app, string connectionString)
    {
        App = app;
        ConnectionString = connectionString;
        BaseUri = new Uri($"http://127.0.0.1:{app.BoundPort}");
        Http = new HttpClient { BaseAddress = BaseUri, Timeout = TimeSpan.FromSeconds(30) };
    }

    public SpeakingApp App { get; }
    public string ConnectionString { get; }
    public Uri BaseUri { get; }
    public HttpClient Http { get; }

    /// <param name="mapEndpoints">Extra endpoints mapped after the service's own, before it starts (tests of cross-cutting rules).</param>
    public static async Task<TestHost> StartAsync(IDictionary<string, string?>? settings = null, string? connectionString = null,
        Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? replaceServices = null,
        Action<Microsoft.AspNetCore.Builder.WebApplication>? mapEndpoints = null)
    {
        connectionString ??= await SharedPostgres.CreateDatabaseAsync();
        var config = new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = connectionString,
            ["PORT"] = "0",
            ["SECRET_KEY"] = Secret,
            ["ROULETTE_INTERVAL_SECONDS"] = "1",
            ["PASSWORD_HASH_ITERATIONS"] = "1000",
            ["SESSION_RECONNECT_GRACE_SECONDS"] = "20",
            // Every test client connects from 127.0.0.1: the per-address cap would count the whole suite as one client.
            ["MAX_SOCKETS_PER_ADDRESS"] = "100000",
            ["Serilog:MinimumLevel:Default"] = "Warning",
            ["Serilog:MinimumLevel:Override:Microsoft.Hosting.Lifetime"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) config[key] = value;

        var app = await SpeakingApp.CreateAsync([], config, replaceServices);
        mapEndpoints?.Invoke(app.Web);
        await app.StartAsync();
        return new TestHost(app, connectionString);
    }

    /// <param name="via">Another way in, e.g. <see cref="NginxProxy.Http"/>; by default straight to this host.</param>
    public async Task<TestUser> RegisterAsync(string? username = null, double level = 6.0, double target = 7.0, HttpClient? via = null)
    {
        var email = $"user{Guid.NewGuid():N}@example.com";
        username ??= "user" + Guid.NewGuid().ToString("N")[..8];
        const string password = "secret123";
        var response = await (via ?? Http).PostAsJsonAsync("/auth/register",
            new { email, password, username, current_level = level, target_score = target });
        var body = await response.Content.ReadAsStringAsync();
        if ((int)response.StatusCode != 201) throw new InvalidOperationException($"Register failed: {(int)response.StatusCode} {body}");
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        return new TestUser(Guid.Parse(root.GetProperty("user").GetProperty("id").GetString()!), email, password, username,
            root.GetProperty("access_token").GetString()!);
    }

    /// <summary>A request carrying the user's bearer token (and, like the frontend, a JSON content type).</summary>
    public HttpRequestMessage Request(HttpMethod method, string path, TestUser? user, object? json = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (user is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        request.Content = json is null ? new StringContent("", System.Text.Encoding.UTF8, "application/json") : JsonContent.Create(json);
        if (json is null) request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return request;
    }

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, TestUser? user, object? json = null) =>
        Http.SendAsync(Request(method, path, user, json));

    public Uri WebSocketUri(Guid userId, string token) => new($"ws://127.0.0.1:{App.BoundPort}/ws/match/{userId}?token={token}");

    public Task<WsClient> ConnectAsync(TestUser user) => WsClient.ConnectAsync(WebSocketUri(user.Id, user.Token));

    public async Task<NpgsqlConnection> OpenDbAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.DisposeAsync();
    }
}
