using System.Diagnostics;
using System.Net;
using Dapper;
using Speaking.Api.Hosting;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Safety;

/// <summary>Moderators are made by operators only: ADMIN_EMAILS at start-up, or the <c>admin</c> command; never by the API.</summary>
public sealed class ModeratorSetupTests
{
    private static async Task<bool> IsAdminAsync(string connectionString, TestUser user)
    {
        await using var db = new Npgsql.NpgsqlConnection(connectionString);
        return await db.ExecuteScalarAsync<bool>("SELECT is_admin FROM users WHERE id = @Id", new { user.Id });
    }

    [Fact]
    public async Task AdminEmails_MakeThoseAccountsModerators_AtStartUp_CaseInsensitively()
    {
        TestUser admin, member;
        string connectionString;
        await using (var first = await TestHost.StartAsync())
        {
            admin = await first.RegisterAsync();
            member = await first.RegisterAsync();
            connectionString = first.ConnectionString;
            await (await first.SendAsync(HttpMethod.Get, "/admin/reports", admin)).ShouldBeDetailAsync(HttpStatusCode.Forbidden, "Admin access required");
        }

        await using var second = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["ADMIN_EMAILS"] = $" {admin.Email.ToUpperInvariant()} , nobody-yet@example.com",
        }, connectionString);

        (await second.SendAsync(HttpMethod.Get, "/admin/reports", admin)).StatusCode.ShouldBe(HttpStatusCode.OK);
        await (await second.SendAsync(HttpMethod.Get, "/admin/reports", member)).ShouldBeDetailAsync(HttpStatusCode.Forbidden, "Admin access required");
    }

    [Fact]
    public async Task TheAdminCommand_GrantsAndRevokes_ByEmail_AndTheServiceSeesItAtOnce()
    {
        await using var host = await TestHost.StartAsync();
        var user = await host.RegisterAsync();
        var settings = new Dictionary<string, string?> { ["DATABASE_URL"] = host.ConnectionString };
        var output = new StringWriter();

        (await AdminCommand.RunAsync(["admin", "grant", user.Email.ToUpperInvariant()], settings, output)).ShouldBe(0);
        output.ToString().Trim().ShouldBe($"{user.Email} is now a moderator.");
        (await IsAdminAsync(host.ConnectionString, user)).ShouldBeTrue();
        (await host.SendAsync(HttpMethod.Get, "/admin/reports", user)).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await AdminCommand.RunAsync(["admin", "revoke", user.Email], settings, output)).ShouldBe(0);
        (await IsAdminAsync(host.ConnectionString, user)).ShouldBeFalse();
        await (await host.SendAsync(HttpMethod.Get, "/admin/reports", user)).ShouldBeDetailAsync(HttpStatusCode.Forbidden, "Admin access required");
    }

    [Fact]
    public async Task TheAdminCommand_RefusesUnknownEmails_BadUsage_AndTheEmbeddedDatabase()
    {
        await using var host = await TestHost.StartAsync();
        var errors = new StringWriter();

        (await AdminCommand.RunAsync(["admin", "grant", "nobody@example.com"], new Dictionary<string, string?> { ["DATABASE_URL"] = host.ConnectionString },
            TextWriter.Null, errors)).ShouldBe(1);
        errors.ToString().ShouldContain("No account has the email nobody@example.com");

        (await AdminCommand.RunAsync(["admin", "promote", "a@example.com"], null, TextWriter.Null, errors)).ShouldBe(2);
        (await AdminCommand.RunAsync(["admin", "grant"], null, TextWriter.Null, errors)).ShouldBe(2);
        errors.ToString().ShouldContain(AdminCommand.Usage);

        (await AdminCommand.RunAsync(["admin", "grant", "a@example.com"], new Dictionary<string, string?> { ["DATABASE_URL"] = "" }, TextWriter.Null, errors))
            .ShouldBe(2);
        errors.ToString().ShouldContain("needs DATABASE_URL");
    }

    [Fact]
    public async Task TheProgram_RunsTheAdminCommandInsteadOfTheService()
    {
        await using var host = await TestHost.StartAsync();
        var user = await host.RegisterAsync();
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Speaking.Api.dll"), "admin", "grant", user.Email])
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false, WorkingDirectory = Path.GetTempPath(),
        };
        start.Environment["DATABASE_URL"] = host.ConnectionString;
        using var process = Process.Start(start)!;
        var stdout = await process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        process.ExitCode.ShouldBe(0, stderr);
        stdout.Trim().ShouldBe($"{user.Email} is now a moderator.");
        (await IsAdminAsync(host.ConnectionString, user)).ShouldBeTrue();
    }
}
