using System.Buffers;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Speaking.Application.Realtime;
using Speaking.Application.Realtime.Wire;
using Speaking.Application.Users;
using Speaking.Infrastructure.Auth;
using Speaking.Infrastructure.Observability;

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
/// <c>/ws/match/{user_id}?token=</c>: authenticate and check capacity before accepting (a refusal is a plain HTTP
/// status and writes nothing: 403 for a bad token, 429 over a per-user or per-address cap, 503 when the node is full,
/// draining, or its database or Redis is away), register the connection in presence, then read messages one at a
/// time, in order, until the socket closes. An idle socket holds no receive buffer: it waits with a zero-byte read
/// and rents a buffer only while a frame is being read.
/// </summary>
public sealed class WebSocketEndpoint(JwtTokenService tokens, IUserDirectory directory, ConnectionRegistry registry, IPresence presence,
    MessageDispatcher dispatcher, IServiceScopeFactory scopes, ConnectionGate gate, WebSocketLimits limits, DrainState drain,
    SpeakingMetrics metrics, TimeProvider time, ILogger<WebSocketEndpoint> logger)
{
    private const int FirstBufferBytes = 4 * 1024;

    public async Task HandleAsync(HttpContext context, string userIdInPath)
    {
        var admission = await AdmitAsync(context, userIdInPath);
        if (admission.Refusal is { } status)
        {
            metrics.RefusedConnections.WithLabels(admission.Reason).Inc();
            context.Response.StatusCode = status;
            if (status == StatusCodes.Status503ServiceUnavailable) context.Response.Headers.RetryAfter = "5";
            return;
        }

        var userId = admission.UserId;
        var reference = admission.Reference;
        WebSocketConnection? connection = null;
        Task writer = Task.CompletedTask;
        try
        {
            WebSocket socket;
            try
            {
                socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
                {
                    KeepAliveInterval = limits.KeepAliveInterval,
                    KeepAliveTimeout = limits.KeepAliveTimeout,
                });
            }
            catch (InvalidOperationException) when (!context.Response.HasStarted)
            {
                // Kestrel's own cap on upgraded connections (a backstop a little above MAX_CONNECTIONS) came first:
                // sockets that have closed for us can still count for Kestrel for a moment.
                metrics.RefusedConnections.WithLabels("node_full").Inc();
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.Headers.RetryAfter = "5";
                return;
            }

            connection = new WebSocketConnection(reference, userId, socket, logger) { Order = admission.Order };
            connection.SlowClient += () => metrics.SlowClientDisconnects.Inc();
            registry.Add(connection);
            // A drain that began after the admission check did not see this connection: close it as the drain would.
            if (drain.IsDraining) connection.RequestClose(WebSocketCloseStatus.EndpointUnavailable, "Server shutting down");
            writer = connection.RunWriterAsync();
            logger.LogDebug("User {UserId} connected (connection {Connection})", userId, reference);

            await scopes.SendInScopeAsync(new ConnectionOpenedCommand(userId, reference), CancellationToken.None);
            await ReadLoopAsync(connection, context.RequestAborted);
        }
        catch (Exception e) when (Outage.Is(e))
        {
            metrics.DatabaseErrors.WithLabels("socket").Inc();
            logger.LogWarning("Connection {Connection} of user {UserId} closed: a dependency did not answer ({Reason})", reference, userId, e.Message);
            connection?.RequestClose(WebSocketCloseStatus.InternalServerError, "Service temporarily unavailable");
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer went away (or the socket was aborted): the clean-up below is all there is to do.
            logger.LogDebug(e, "Connection {Connection} of user {UserId} ended abruptly", reference, userId);
        }
        finally
        {
            await CloseAsync(connection, userId, reference, admission.Address, writer);
        }
    }

    private async Task<Admission> AdmitAsync(HttpContext context, string userIdInPath)
    {
        if (!context.WebSockets.IsWebSocketRequest) return Admission.Refuse(StatusCodes.Status403Forbidden, "not_websocket");
        if (drain.IsDraining) return Admission.Refuse(StatusCodes.Status503ServiceUnavailable, "draining");

        var userId = await tokens.ValidateAsync(context.Request.Query["token"].FirstOrDefault());
        if (userId is null || !string.Equals(userId.Value.ToString(), userIdInPath, StringComparison.Ordinal))
            return Admission.Refuse(StatusCodes.Status403Forbidden, "authentication");

        try
        {
            if (!await directory.ExistsAsync(userId.Value, context.RequestAborted)) return Admission.Refuse(StatusCodes.Status403Forbidden, "authentication");
        }
        catch (Exception e) when (Outage.Is(e))
        {
            metrics.DatabaseErrors.WithLabels("handshake").Inc();
            return Admission.Refuse(StatusCodes.Status503ServiceUnavailable, "unavailable");
        }

        var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var capacity = gate.TryEnter(address);
        if (capacity != ConnectionGate.Outcome.Admitted)
            return capacity == ConnectionGate.Outcome.NodeFull
                ? Admission.Refuse(StatusCodes.Status503ServiceUnavailable, "node_full")
                : Admission.Refuse(StatusCodes.Status429TooManyRequests, "address_cap");

        var reference = registry.NextReference();
        try
        {
            var (order, userConnections) = await presence.RegisterAsync(reference, userId.Value);
            if (userConnections > gate.MaxSocketsPerUser)
            {
                await presence.UnregisterAsync(reference, userId.Value);
                gate.Leave(address);
                return Admission.Refuse(StatusCodes.Status429TooManyRequests, "user_cap");
            }

            return new Admission(null, "", userId.Value, reference, order, address);
        }
        catch (Exception e) when (Outage.Is(e))
        {
            metrics.DatabaseErrors.WithLabels("handshake").Inc();
            gate.Leave(address);
            return Admission.Refuse(StatusCodes.Status503ServiceUnavailable, "unavailable");
        }
    }

    /// <summary>
    /// Forgets the connection at once (so a reload's new connection can take its session over), applies the
    /// disconnect (offline, queue, reconnect deadline), and lets the writer finish the closing handshake.
    /// </summary>
    private async Task CloseAsync(WebSocketConnection? connection, Guid userId, ConnectionRef reference, string address, Task writer)
    {
        connection?.RequestClose(WebSocketCloseStatus.NormalClosure, "");
        if (connection is not null) registry.Remove(connection);
        gate.Leave(address);
        try
        {
            var wasLast = await presence.UnregisterAsync(reference, userId);
            await scopes.SendInScopeAsync(new ConnectionClosedCommand(userId, reference, wasLast), CancellationToken.None);
        }
        catch (Exception e)
        {
            // Reconciliation applies it later (offline, queue, reconnect deadline): presence no longer lists this connection.
            metrics.DatabaseErrors.WithLabels("disconnect").Inc();
            logger.LogWarning("Clean-up after connection {Connection} of user {UserId} is deferred: {Reason}", reference, userId, e.Message);
        }

        if (connection is not null)
        {
            if (await Task.WhenAny(writer, Task.Delay(TimeSpan.FromSeconds(5))) != writer) connection.Abort();
            connection.Abort();
        }

        logger.LogDebug("User {UserId} disconnected (connection {Connection})", userId, reference);
    }

    private async Task ReadLoopAsync(WebSocketConnection connection, CancellationToken stopping)
    {
        var socket = connection.Socket;
        var bucket = new TokenBucket(limits.BurstMessages, limits.MessagesPerSecond, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, connection.Aborted);
        while (socket.State == WebSocketState.Open)
        {
            // Wait for the next frame without holding a buffer: idle sockets cost no receive memory.
            var probe = await socket.ReceiveAsync(Memory<byte>.Empty, linked.Token);
            if (probe.MessageType == WebSocketMessageType.Close)
            {
                connection.RequestClose(WebSocketCloseStatus.NormalClosure, "");
                return;
            }

            var buffer = ArrayPool<byte>.Shared.Rent(FirstBufferBytes);
            try
            {
                var length = 0;
                // An empty frame is consumed whole by the zero-byte read: it is the message.
                var result = probe;
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close)
                {
                    if (length == buffer.Length)
                    {
                        if (length > WebSocketLimits.MaxMessageBytes) break;
                        var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 4, WebSocketLimits.MaxMessageBytes + 1));
                        buffer.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }

                    result = await socket.ReceiveAsync(buffer.AsMemory(length), linked.Token);
                    length += result.Count;
                }

                if (length > WebSocketLimits.MaxMessageBytes)
                {
                    metrics.RefusedMessages.WithLabels("too_big").Inc();
                    await CloseByServerAsync(connection, WebSocketCloseStatus.MessageTooBig, "Message too big");
                    return;
                }

                switch (result.MessageType)
                {
                    case WebSocketMessageType.Close:
                        connection.RequestClose(WebSocketCloseStatus.NormalClosure, "");
                        return;
                    case WebSocketMessageType.Binary:
                        metrics.RefusedMessages.WithLabels("binary").Inc();
                        await CloseByServerAsync(connection, WebSocketCloseStatus.InvalidMessageType, "Binary frames are not supported");
                        return;
                }

                if (!bucket.TryTake())
                {
                    metrics.RefusedMessages.WithLabels("rate_limited").Inc();
                    await ReplyAsync(connection, SocketReply.Of(ErrorMessage.RateLimited));
                    continue;
                }

                var reply = await dispatcher.DispatchAsync(connection.UserId, connection.Ref, buffer.AsMemory(0, length), linked.Token);
                await ReplyAsync(connection, reply);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>
    /// Asks the writer to send what is queued and then our close frame, then reads (and discards, into a small
    /// buffer) until the client's close frame arrives or 5 s pass, so the client sees the status code instead of a
    /// reset connection.
    /// </summary>
    private static async Task CloseByServerAsync(WebSocketConnection connection, WebSocketCloseStatus status, string reason)
    {
        connection.RequestClose(status, reason);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var scratch = ArrayPool<byte>.Shared.Rent(1024);
        try
        {
            while (connection.Socket.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                var result = await connection.Socket.ReceiveAsync(scratch.AsMemory(), timeout.Token);
                if (result.MessageType == WebSocketMessageType.Close) return;
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private static async ValueTask ReplyAsync(WebSocketConnection connection, SocketReply reply)
    {
        foreach (var message in reply.Messages) await connection.ReplyAsync(WireJson.Serialize(message));
    }

    private readonly record struct Admission(int? Refusal, string Reason, Guid UserId, ConnectionRef Reference, long Order, string Address)
    {
        public static Admission Refuse(int status, string reason) => new(status, reason, default, default, 0, "");
    }
}
