using Speaking.Api;
using Speaking.Api.Hosting;
using Speaking.Infrastructure.Configuration;

// Speaking: the IELTS speaking-partner backend. Reads its settings (environment, .env, appsettings), starts the
// embedded PostgreSQL when DATABASE_URL is not set, migrates, and serves REST and WebSocket on PORT (8000).
// `admin grant|revoke <email>` instead sets an account's moderator flag and exits.
if (AdminCommand.IsInvoked(args)) return await AdminCommand.RunAsync(args);

try
{
    await using var app = await SpeakingApp.CreateAsync(args);
    await app.RunAsync();
    return 0;
}
catch (ConfigurationProblem problem)
{
    Console.Error.WriteLine(problem.Message);
    return 2;
}
catch (InvalidOperationException startup) when (startup.Source is "Speaking.Infrastructure")
{
    Console.Error.WriteLine($"Start-up failed: {startup.Message}");
    return 3;
}
