using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;
using Speaking.Infrastructure.Configuration;

namespace Speaking.Infrastructure.Safety;

/// <summary>
/// Who is a moderator (<c>users.is_admin</c>). Only operators decide: the <c>admin grant|revoke &lt;email&gt;</c> command and
/// ADMIN_EMAILS at start-up; no API writes it.
/// </summary>
public sealed class ModeratorAccounts(NpgsqlDataSource db, SafetySettings settings, ILogger<ModeratorAccounts> logger)
{
    /// <summary>Sets or clears the flag of the accounts with these emails (case-insensitively); returns the emails changed, as stored.</summary>
    public async Task<IReadOnlyList<string>> SetAdminAsync(IReadOnlyCollection<string> emails, bool isAdmin, CancellationToken ct = default)
    {
        if (emails.Count == 0) return [];
        await using var connection = await db.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<string>(new CommandDefinition(
            "UPDATE users SET is_admin = @isAdmin WHERE lower(email) = ANY(@emails) RETURNING email",
            new { isAdmin, emails = emails.Select(e => e.ToLowerInvariant()).ToArray() }, cancellationToken: ct))).ToArray();
    }

    /// <summary>
    /// ADMIN_EMAILS: the accounts named there that exist now become moderators. Removing an address later revokes
    /// nothing (use <c>admin revoke</c>); an address registered later is granted at the next start.
    /// </summary>
    public async Task ApplyAdminEmailsAsync(CancellationToken ct = default)
    {
        if (settings.AdminEmails.Count == 0) return;
        var granted = await SetAdminAsync(settings.AdminEmails, isAdmin: true, ct);
        var missing = settings.AdminEmails.Except(granted.Select(e => e.ToLowerInvariant())).ToArray();
        logger.LogInformation("ADMIN_EMAILS: {Granted} moderator account(s) set", granted.Count);
        if (missing.Length > 0) logger.LogWarning("ADMIN_EMAILS names {Count} address(es) with no account yet; they are granted at the next start", missing.Length);
    }
}
