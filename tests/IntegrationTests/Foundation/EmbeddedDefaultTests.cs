using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Speaking.Api;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Foundation;

public sealed class EmbeddedDefaultTests
{
    [Fact]
    public async Task WithoutDatabaseUrl_TheServiceStartsItsOwnPostgres_AndKeepsDataAndSigningKeyAcrossRestarts()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "speaking-embedded-" + Guid.NewGuid().ToString("N"));
        var settings = new Dictionary<string, string?>
        {
            ["PORT"] = "0", ["SPEAKING_DATA_DIR"] = dataDir, ["PASSWORD_HASH_ITERATIONS"] = "1000",
            ["Serilog:MinimumLevel:Default"] = "Warning",
        };
        string token;
        try
        {
            await using (var first = await SpeakingApp.CreateAsync([], settings))
            {
                await first.StartAsync();
                using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{first.BoundPort}") };
                (await http.GetStringAsync("/health")).ShouldBe("{\"status\":\"healthy\"}");
                var registered = await http.PostAsJsonAsync("/auth/register",
                    new { email = "kept@example.com", password = "secret123", username = "Kept" });
                registered.StatusCode.ShouldBe(HttpStatusCode.Created);
                token = (await registered.ReadJsonAsync()).Str("access_token");
            }

            File.Exists(Path.Combine(dataDir, "secret_key")).ShouldBeTrue();
            File.Exists(Path.Combine(dataDir, "postgres", "PG_VERSION")).ShouldBeTrue();

            await using (var second = await SpeakingApp.CreateAsync([], settings))
            {
                await second.StartAsync();
                using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{second.BoundPort}") };
                var login = await http.PostAsync("/auth/login",
                    new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = "kept@example.com", ["password"] = "secret123" }));
                login.StatusCode.ShouldBe(HttpStatusCode.OK);

                using var me = new HttpRequestMessage(HttpMethod.Get, "/auth/me");
                me.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                var response = await http.SendAsync(me);
                response.StatusCode.ShouldBe(HttpStatusCode.OK);
                (await response.ReadJsonAsync()).Str("username").ShouldBe("Kept");
            }
        }
        finally
        {
            try { Directory.Delete(dataDir, recursive: true); }
            catch (IOException) { }
        }
    }
}
