using System.Diagnostics;
using System.Net;
using Dapper;
using Npgsql;
using Speaking.Api;
using Speaking.Infrastructure.Configuration;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Foundation;

public sealed class ConfigurationTests
{
    /// <summary>A database owned by a role with a password that needs percent-encoding in a URL.</summary>
    private static async Task<(string Database, string Role, int Port)> CreateDatabaseWithOwnerAsync()
    {
        var cluster = await SharedPostgres.ClusterAsync();
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var role = "app_" + suffix;
        var database = "db_" + suffix;
        await using var admin = new NpgsqlConnection(SharedPostgres.AdminConnectionString(cluster));
        await admin.OpenAsync();
        await admin.ExecuteAsync($"CREATE ROLE {role} LOGIN PASSWORD 'p@ss:word/1'");
        await admin.ExecuteAsync($"CREATE DATABASE {database} OWNER {role}");
        return (database, role, cluster.Port);
    }

    [Theory]
    [InlineData("postgres://{role}:p%40ss%3Aword%2F1@127.0.0.1:{port}/{db}")]
    [InlineData("postgresql://{role}:p%40ss%3Aword%2F1@127.0.0.1:{port}/{db}?sslmode=disable")]
    [InlineData("postgresql+asyncpg://{role}:p%40ss%3Aword%2F1@127.0.0.1:{port}/{db}")]
    [InlineData("Host=127.0.0.1;Port={port};Username={role};Password=p@ss:word/1;Database={db}")]
    public async Task DatabaseUrl_InEveryForm_MigratesThatDatabaseAndServesFromIt(string template)
    {
        var (database, role, port) = await CreateDatabaseWithOwnerAsync();
        var url = template.Replace("{role}", role).Replace("{port}", port.ToString()).Replace("{db}", database);

        await using (var host = await TestHost.StartAsync(connectionString: url))
        {
            (await host.Http.GetAsync("/health/ready")).StatusCode.ShouldBe(HttpStatusCode.OK);
            await host.RegisterAsync("Stored");
        }

        var cluster = await SharedPostgres.ClusterAsync();
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Database = database }.ConnectionString);
        (await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM schema_migrations")).ShouldBeGreaterThan(0);
        (await connection.ExecuteScalarAsync<string>("SELECT username FROM users")).ShouldBe("Stored");
        (await connection.ExecuteScalarAsync<string>("SELECT tableowner FROM pg_tables WHERE tablename = 'users'")).ShouldBe(role);
    }

    [Theory]
    [InlineData("[\"http://localhost:3000\",\"http://127.0.0.1:3000/\"]")]
    [InlineData(" http://localhost:3000 , http://127.0.0.1:3000/ ,")]
    public async Task CorsOrigins_InBothForms_AllowTheFrontendOrigins(string value)
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["CORS_ORIGINS"] = value });

        foreach (var origin in new[] { "http://localhost:3000", "http://127.0.0.1:3000" })
        {
            using var preflight = new HttpRequestMessage(HttpMethod.Options, "/auth/register");
            preflight.Headers.Add("Origin", origin);
            preflight.Headers.Add("Access-Control-Request-Method", "POST");
            var response = await host.Http.SendAsync(preflight);
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            response.Headers.GetValues("Access-Control-Allow-Origin").Single().ShouldBe(origin);
        }

        using var other = new HttpRequestMessage(HttpMethod.Options, "/auth/register");
        other.Headers.Add("Origin", "http://evil.example.com");
        other.Headers.Add("Access-Control-Request-Method", "POST");
        var refused = await host.Http.SendAsync(other);
        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await refused.Content.ReadAsStringAsync()).ShouldBe("Disallowed CORS origin");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("soon")]
    public async Task BadRouletteInterval_StopsStartUp_WithOneLineNamingTheVariable(string value)
    {
        var problem = await Should.ThrowAsync<ConfigurationProblem>(() =>
            SpeakingApp.CreateAsync([], new Dictionary<string, string?> { ["ROULETTE_INTERVAL_SECONDS"] = value, ["DATABASE_URL"] = "Host=127.0.0.1" }));
        problem.Variable.ShouldBe("ROULETTE_INTERVAL_SECONDS");

        // The real program: exit code 2, one line on stderr, no stack trace.
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Speaking.Api.dll")])
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.Environment["ROULETTE_INTERVAL_SECONDS"] = value;
        start.Environment["DATABASE_URL"] = "postgres://nobody@127.0.0.1:1/none";
        using var process = Process.Start(start)!;
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();

        process.ExitCode.ShouldBe(2);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(1);
        lines[0].ShouldContain("ROULETTE_INTERVAL_SECONDS");
        stderr.ShouldNotContain("   at ");
    }

    [Fact]
    public async Task DotEnvFile_WithUnknownKeys_DoesNotStopStartUp_AndEnvironmentWins()
    {
        var dir = Directory.CreateTempSubdirectory("speaking-env-").FullName;
        await File.WriteAllTextAsync(Path.Combine(dir, ".env"), "SOMETHING_UNKNOWN=1\nROULETTE_INTERVAL_SECONDS=0\nAPP_NAME=\"From dotenv\"\n");
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Speaking.Api.dll")])
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false, WorkingDirectory = dir,
        };
        start.Environment["DATABASE_URL"] = "postgres://nobody@127.0.0.1:1/none";
        using var process = Process.Start(start)!;
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        // The .env value 0 is read (and refused by name): unknown keys beside it did not stop anything first.
        process.ExitCode.ShouldBe(2);
        stderr.ShouldContain("ROULETTE_INTERVAL_SECONDS");
        stderr.ShouldNotContain("SOMETHING_UNKNOWN");
    }
}
