using System.Collections.Concurrent;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Speaking.Application.Realtime;

namespace Speaking.Infrastructure.Realtime;

/// <summary>
/// D-15: after a participant's last connection closes, their session waits
/// SESSION_RECONNECT_GRACE_SECONDS; then <see cref="ExpireReconnectGraceCommand"/> decides (it does nothing if the
/// user came back). Reconnecting cancels the timer.
/// </summary>
public sealed class ReconnectGrace(IServiceScopeFactory scopes, IOptions<RealtimeOptions> options, TimeProvider time,
    ILogger<ReconnectGrace> logger) : IReconnectGrace, IDisposable
{
    private readonly ConcurrentDictionary<Guid, CancellationTokenSource> _timers = new();
    private readonly CancellationTokenSource _stopping = new();
    private int _disposed;

    public void Start(Guid userId, Guid sessionId)
    {
        var timer = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        _timers.AddOrUpdate(userId, timer, (_, old) =>
        {
            old.Cancel();
            return timer;
        });
        _ = ExpireLaterAsync(userId, sessionId, timer);
    }

    public void Cancel(Guid userId)
    {
        if (_timers.TryRemove(userId, out var timer)) timer.Cancel();
    }

    public int Pending => _timers.Count;

    private async Task ExpireLaterAsync(Guid userId, Guid sessionId, CancellationTokenSource timer)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(options.Value.SessionReconnectGraceSeconds), time, timer.Token);
            if (!_timers.TryRemove(new KeyValuePair<Guid, CancellationTokenSource>(userId, timer))) return;
            var cancelled = await scopes.SendInScopeAsync(new ExpireReconnectGraceCommand(userId, sessionId), _stopping.Token);
            if (cancelled) logger.LogInformation("Session {SessionId} cancelled: user {UserId} did not come back in time", sessionId, userId);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            logger.LogError(e, "Could not end session {SessionId} after the reconnect grace period", sessionId);
        }
        finally
        {
            timer.Dispose();
        }
    }

    public void Dispose()
    {
        // Registered under two service types, so the container may dispose it twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _stopping.Cancel();
        _stopping.Dispose();
    }
}
