using Microsoft.Extensions.DependencyInjection;
using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using MediatR;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Speaking.Application.Quorra.Notifications;
using Speaking.Application.Realtime;
using Speaking.Infrastructure.Realtime;

namespace Speaking.Infrastructure.Quorra;

/// <summary>What Quorra's socket sends: <c>{"type":"notification","notification":{...}}</c>, and <c>pong</c>/<c>error</c> replies.</summary>
public static class QuorraSocketMessages
{
    public static byte[] Notification(NotificationView notification) => QuorraJson.Serialize(new { type = "notification", notification });

    public static readonly byte[] Pong = QuorraJson.Serialize(new { type = "pong" });

    public static byte[] Error(string error) => QuorraJson.Serialize(new { type = "error", error });
}

/// <summary>The Quorra sockets open on this node, several per user.</summary>
public sealed class QuorraSocketRegistry
{
    private readonly ConcurrentDictionary<Guid, List<WebSocketConnection>> _users = new();

    public void Add(WebSocketConnection connection)
    {
        while (true)
        {
            var list = _users.GetOrAdd(connection.UserId, _ => []);
            lock (list)
            {
                // A list emptied and dropped by Remove meanwhile is not the user's list any more: take the new one.
                if (!_users.TryGetValue(connection.UserId, out var current) || !ReferenceEquals(current, list)) continue;
                list.Add(connection);
                return;
            }
        }
    }

    public void Remove(WebSocketConnection connection)
    {
        if (!_users.TryGetValue(connection.UserId, out var list)) return;
        lock (list)
        {
            list.Remove(connection);
            if (list.Count == 0) _users.TryRemove(KeyValuePair.Create(connection.UserId, list));
        }
    }

    public IReadOnlyCollection<Guid> ConnectedUsers() => _users.Keys.ToArray();

    public int ConnectionCount => _users.Values.Sum(list => { lock (list) return list.Count; });

    /// <summary>Queues the frame on every open socket of the user; returns how many took it.</summary>
    public int Send(Guid userId, byte[] frame)
    {
        if (!_users.TryGetValue(userId, out var list)) return 0;
        WebSocketConnection[] connections;
        lock (list) connections = list.ToArray();
        return connections.Count(c => c.Deliver(frame, null, null));
    }
}

/// <summary>
/// <c>/quorra/ws?token=</c> after the API has authenticated it: registers the socket, delivers the reminders that
/// fell due while the user was away, then answers pings until the socket closes or the service stops (1001).
/// </summary>
public sealed class QuorraSocketEndpoint(QuorraSocketRegistry registry, IServiceScopeFactory scopes, IHostApplicationLifetime lifetime,
    ILogger<QuorraSocketEndpoint> logger)
{
    public const int MaxMessageBytes = 4096;
    private static long _sequence;

    public async Task RunAsync(HttpContext context, Guid userId)
    {
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = TimeSpan.FromSeconds(15) });
        var connection = new WebSocketConnection(new ConnectionRef("quorra", Interlocked.Increment(ref _sequence)), userId, socket, logger);
        var writer = connection.RunWriterAsync();
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, connection.Aborted);
        // On shutdown: close with 1001 and give the client a moment to answer before the socket is cut.
        using var shutdown = lifetime.ApplicationStopping.Register(() => _ = CloseForShutdownAsync(connection));
        try
        {
            registry.Add(connection);
            foreach (var due in await scopes.SendInScopeAsync(new ClaimDueRemindersCommand([userId]), stopping.Token))
            {
                if (!connection.Deliver(QuorraSocketMessages.Notification(due), null, null))
                    await scopes.SendInScopeAsync(new ReleaseReminderCommand(due.Id), CancellationToken.None);
            }

            await ReadLoopAsync(connection, stopping.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            logger.LogDebug(e, "Quorra socket of user {UserId} ended abruptly", userId);
        }
        catch (Exception e) when (Outage.Is(e))
        {
            logger.LogWarning("Quorra socket of user {UserId} closed: the database did not answer ({Reason})", userId, e.GetBaseException().Message);
            connection.RequestClose(WebSocketCloseStatus.InternalServerError, "Service temporarily unavailable");
        }
        finally
        {
            registry.Remove(connection);
            connection.RequestClose(WebSocketCloseStatus.NormalClosure, "");
            if (await Task.WhenAny(writer, Task.Delay(TimeSpan.FromSeconds(5))) != writer) connection.Abort();
            connection.Abort();
        }
    }

    private static async Task CloseForShutdownAsync(WebSocketConnection connection)
    {
        connection.RequestClose(WebSocketCloseStatus.EndpointUnavailable, "Server shutting down");
        await Task.Delay(TimeSpan.FromSeconds(3));
        connection.Abort();
    }

    private static async Task ReadLoopAsync(WebSocketConnection connection, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxMessageBytes + 1);
        try
        {
            while (connection.Socket.State == WebSocketState.Open)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length > MaxMessageBytes)
                    {
                        connection.RequestClose(WebSocketCloseStatus.MessageTooBig, "Message too big");
                        return;
                    }

                    result = await connection.Socket.ReceiveAsync(buffer.AsMemory(length, buffer.Length - length), ct);
                    length += result.Count;
                } while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    connection.RequestClose(WebSocketCloseStatus.NormalClosure, "");
                    return;
                }

                if (length > MaxMessageBytes)
                {
                    connection.RequestClose(WebSocketCloseStatus.MessageTooBig, "Message too big");
                    return;
                }

                await connection.ReplyAsync(IsPing(buffer.AsSpan(0, length))
                    ? QuorraSocketMessages.Pong
                    : QuorraSocketMessages.Error("Unknown message: only {\"type\":\"ping\"} is understood"));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool IsPing(ReadOnlySpan<byte> message)
    {
        try
        {
            var reader = new Utf8JsonReader(message);
            using var document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "ping";
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
