using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Speaking.Application.Realtime;
using Speaking.Application.Sessions;

namespace Speaking.Infrastructure.Persistence;

/// <summary>
/// Amendment A-3 (replaces D-16's blanket reset): at start-up, only what belongs to no live connection is cleared.
/// Users marked online without a live connection go offline and their tickets close; sessions held by connections
/// that no longer exist (this process's previous run, a dead node) get the reconnect grace from now, unless a
/// deadline was already stored (a drained node); and sessions whose deadline has passed are cancelled. A user who
/// comes back in time after a quick restart keeps the call.
/// </summary>
public sealed class StartupRecovery(IServiceScopeFactory scopes, ILogger<StartupRecovery> logger)
{
    public async Task RunAsync(CancellationToken ct = default)
    {
        var report = await scopes.SendInScopeAsync(new ReconcilePresenceCommand(AtStartup: true), ct);
        var cancelled = await scopes.SendInScopeAsync(new ExpireReconnectDeadlinesCommand(), ct);
        if (report.SessionsDetached + report.UsersOffline + report.DeadlinesStarted + cancelled > 0)
            logger.LogInformation(
                "Start-up recovery: {Users} users offline, {Sessions} sessions waiting for their users, {Deadlines} deadlines started, {Cancelled} sessions cancelled",
                report.UsersOffline, report.SessionsDetached, report.DeadlinesStarted, cancelled);
    }
}
