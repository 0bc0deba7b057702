using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Speaking.Infrastructure.Configuration;
using Speaking.Infrastructure.Persistence;
using Speaking.Infrastructure.Safety;

namespace Speaking.Api.Hosting;

/// <summary>
/// <c>Speaking.Api admin grant|revoke &lt;email&gt;</c>: makes an account a moderator (or not), then exits; the service does
/// not start. It reads the same settings as the service and migrates the database first. It needs DATABASE_URL: the
/// embedded database belongs to the running service (for it, set ADMIN_EMAILS and restart). Exit codes: 0 done,
/// 1 no account with that email, 2 usage or settings.
/// </summary>
public static class AdminCommand
{
    public const string Usage = "Usage: Speaking.Api admin grant|revoke <email>";

    public static bool IsInvoked(string[] args) => args.Length > 0 && args[0] == "admin";

    public static async Task<int> RunAsync(string[] args, IDictionary<string, string?>? overrides = null, TextWriter? output = null,
        TextWriter? errors = null)
    {
        output ??= Console.Out;
        errors ??= Console.Error;
        if (args is not [_, "grant" or "revoke", var email] || string.IsNullOrWhiteSpace(email))
        {
            await errors.WriteLineAsync(Usage);
            return 2;
        }

        SpeakingSettings settings;
        try
        {
            settings = SpeakingSettings.From(new ConfigurationBuilder().AddSpeakingSources([], overrides).Build());
        }
        catch (ConfigurationProblem problem)
        {
            await errors.WriteLineAsync(problem.Message);
            return 2;
        }

        if (settings.DatabaseConnectionString is not { } connectionString)
        {
            await errors.WriteLineAsync("The admin command needs DATABASE_URL. With the embedded database, name the account in ADMIN_EMAILS and restart the service.");
            return 2;
        }

        await using var dataSource = new NpgsqlDataSourceBuilder(connectionString).Build();
        await new MigrationRunner(dataSource, NullLogger<MigrationRunner>.Instance).ApplyAsync();
        var grant = args[1] == "grant";
        var changed = await new ModeratorAccounts(dataSource, settings.Safety, NullLogger<ModeratorAccounts>.Instance)
            .SetAdminAsync([email.Trim()], grant);
        if (changed.Count == 0)
        {
            await errors.WriteLineAsync($"No account has the email {email.Trim()}.");
            return 1;
        }

        await output.WriteLineAsync(grant ? $"{changed[0]} is now a moderator." : $"{changed[0]} is no longer a moderator.");
        return 0;
    }
}
