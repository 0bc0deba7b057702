using System.Buffers;
using System.Net.WebSockets;
using MediatR;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Speaking.Application.Realtime;
using Speaking.Application.Users;
using Speaking.Infrastructure.Auth;

namespace Speaking.Infrastructure.Realtime;

public sealed class WebSocketLimits
{
    public const int MaxMessageBytes = 64 * 1024;
    public int BurstMessages { get; set; } = 50;
    public double MessagesPerSecond { get; set; } = 20;
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(40);
}

/// <summary>
/// <c>/ws/match/{user_id}?token=</c>: authenticate before accepting (a refusal is a plain HTTP 403 and writes
/// nothing), register the connection, then read messages one at a time, in order, until the socket closes.
/// </summary>
public sealed class WebSocketEndpoint(JwtTokenService tokens, IUserRepository users, ConnectionRegistry registry, MessageDispatcher dispatcher,
    IServiceScopeFactory scopes, WebSocketLimits limits, TimeProvider time, ILogger<WebSocketEndpoint> logger)
{
    public async Task HandleAsync(HttpContext context, string userIdInPath)
    {
        var userId = await AuthenticateAsync(context, userIdInPath);
        if (userId is null)
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            KeepAliveInterval = limits.KeepAliveInterval,
            KeepAliveTimeout = limits.KeepAliveTimeout,
        });
        var connection = new WebSocketConnection(userId.Value, socket, logger);
        var stopping = context.RequestAborted;

        var writer = connection.RunWriterAsync();
        try
        {
            using (await registry.EnterAsync(connection.UserId, CancellationToken.None))
            {
                registry.Add(connection);
                await scopes.SendInScopeAsync(new UserConnectedCommand(connection.UserId), CancellationToken.None);
            }

            logger.LogDebug("User {UserId} connected (connection {ConnectionId})", connection.UserId, connection.Id);
            await ReadLoopAsync(connection, stopping);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
        {
            logger.LogError(e, "Connection {ConnectionId} of user {UserId} closed: the database failed", connection.Id, connection.UserId);
            await connection.CloseAsync(WebSocketCloseStatus.InternalServerError, "Internal error");
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer went away (or the socket was aborted): the clean-up below is all there is to do.
            logger.LogDebug(e, "Connection {ConnectionId} of user {UserId} ended abruptly", connection.Id, connection.UserId);
        }
        finally
        {
            using (await registry.EnterAsync(connection.UserId, CancellationToken.None))
            {
                if (registry.Remove(connection))
                {
                    try
                    {
                        await scopes.SendInScopeAsync(new UserDisconnectedCommand(connection.UserId), CancellationToken.None);
                    }
                    catch (Exception e)
                    {
                        logger.LogError(e, "Could not record that user {UserId} went offline", connection.UserId);
                    }
                }
            }

            connection.Abort();
            await writer;
            logger.LogDebug("User {UserId} disconnected (connection {ConnectionId})", connection.UserId, connection.Id);
        }
    }

    private async Task<Guid?> AuthenticateAsync(HttpContext context, string userIdInPath)
    {
        if (!context.WebSockets.IsWebSocketRequest) return null;
        var userId = await tokens.ValidateAsync(context.Request.Query["token"].FirstOrDefault());
        if (userId is null || !string.Equals(userId.Value.ToString(), userIdInPath, StringComparison.Ordinal)) return null;
        return await users.GetAsync(userId.Value, context.RequestAborted) is null ? null : userId;
    }

    private async Task ReadLoopAsync(WebSocketConnection connection, CancellationToken stopping)
    {
        var socket = connection.Socket;
        var bucket = new TokenBucket(limits.BurstMessages, limits.MessagesPerSecond, time);
        var buffer = ArrayPool<byte>.Shared.Rent(WebSocketLimits.MaxMessageBytes + 1);
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, connection.Aborted);
            while (socket.State == WebSocketState.Open)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length > WebSocketLimits.MaxMessageBytes)
                    {
                        await CloseByServerAsync(connection, WebSocketCloseStatus.MessageTooBig, "Message too big", buffer);
                        return;
                    }

                    result = await socket.ReceiveAsync(buffer.AsMemory(length, buffer.Length - length), linked.Token);
                    length += result.Count;
                } while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                switch (result.MessageType)
                {
                    case WebSocketMessageType.Close:
                        await connection.CloseAsync(WebSocketCloseStatus.NormalClosure, "");
                        return;
                    case WebSocketMessageType.Binary:
                        await CloseByServerAsync(connection, WebSocketCloseStatus.InvalidMessageType, "Binary frames are not supported", buffer);
                        return;
                }

                if (length > WebSocketLimits.MaxMessageBytes)
                {
                    await CloseByServerAsync(connection, WebSocketCloseStatus.MessageTooBig, "Message too big", buffer);
                    return;
                }

                if (!bucket.TryTake())
                {
                    await ReplyAsync(connection, SocketReply.Of(ErrorMessage.RateLimited));
                    continue;
                }

                await ReplyAsync(connection, await dispatcher.DispatchAsync(connection.UserId, buffer.AsMemory(0, length), linked.Token));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Sends our close frame, then reads (and discards) until the client's close frame arrives or 5 s pass, so the
    /// client sees the status code instead of a reset connection.
    /// </summary>
    private static async Task CloseByServerAsync(WebSocketConnection connection, WebSocketCloseStatus status, string reason, byte[] scratch)
    {
        await connection.CloseAsync(status, reason);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            while (connection.Socket.State == WebSocketState.CloseSent)
            {
                var result = await connection.Socket.ReceiveAsync(scratch.AsMemory(), timeout.Token);
                if (result.MessageType == WebSocketMessageType.Close) return;
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private static async ValueTask ReplyAsync(WebSocketConnection connection, SocketReply reply)
    {
        foreach (var message in reply.Messages) await connection.ReplyAsync(WireJson.Serialize(message));
    }
}
