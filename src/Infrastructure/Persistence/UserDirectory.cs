using System.Collections.Concurrent;
using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Speaking.Application.Users;

namespace Speaking.Infrastructure.Persistence;

/// <summary>
/// Remembers for <see cref="Remember"/> that a user exists, so authenticating a request or a handshake costs no
/// database read. A trigger on <c>users</c> announces every deletion (<c>pg_notify</c>), and
/// <see cref="UserDeletionListener"/> on every node forgets that user at once; if the listener loses its connection,
/// everything remembered is forgotten, since a notification may have been missed.
/// </summary>
public sealed class UserDirectory(NpgsqlDataSource db) : IUserDirectory
{
    public static readonly TimeSpan Remember = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<Guid, long> _known = new();

    public async Task<bool> ExistsAsync(Guid userId, CancellationToken ct)
    {
        var now = Environment.TickCount64;
        if (_known.TryGetValue(userId, out var until) && until > now) return true;

        await using var connection = await db.OpenConnectionAsync(ct);
        var exists = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM users WHERE id = @userId)", new { userId }, cancellationToken: ct));
        if (!exists)
        {
            _known.TryRemove(userId, out _);
            return false;
        }

        _known[userId] = now + (long)Remember.TotalMilliseconds;
        if (_known.Count > 200_000) Prune(now);
        return true;
    }

    public void Forget(Guid userId) => _known.TryRemove(userId, out _);

    public void ForgetAll() => _known.Clear();

    private void Prune(long now)
    {
        foreach (var (id, until) in _known)
        {
            if (until <= now) _known.TryRemove(id, out _);
        }
    }
}

/// <summary>LISTEN speaking_user_deleted: tells <see cref="UserDirectory"/> which users to forget.</summary>
public sealed class UserDeletionListener(NpgsqlDataSource db, UserDirectory directory, ILogger<UserDeletionListener> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await db.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, e) =>
                {
                    if (Guid.TryParse(e.Payload, out var id)) directory.Forget(id);
                };
                await using (var listen = new NpgsqlCommand("LISTEN speaking_user_deleted", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                directory.ForgetAll(); // anything deleted while we were not listening
                delay = TimeSpan.FromSeconds(1);
                while (!stoppingToken.IsCancellationRequested) await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                directory.ForgetAll();
                logger.LogDebug(e, "Listening for deleted users failed; retrying in {Delay}", delay);
                try
                {
                    await Task.Delay(delay, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = TimeSpan.FromSeconds(Math.Min(30, delay.TotalSeconds * 2));
            }
        }
    }
}
