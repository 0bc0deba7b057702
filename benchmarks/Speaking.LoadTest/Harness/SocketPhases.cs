using System.Diagnostics;

namespace Speaking.LoadTest.Harness;

/// <summary>Opening and closing many sockets with bounded concurrency and a progress line every second.</summary>
public static class SocketPhases
{
    public sealed record Opened(LoadSocket[] Sockets, int Failed, string? FirstError, double Seconds);

    /// <summary>
    /// Opens one socket per user (user i from source address i / perAddress), at most <paramref name="concurrency"/>
    /// handshakes in flight; each socket starts reading at once, with <paramref name="onMessage"/> as its handler.
    /// </summary>
    public static async Task<Opened> OpenAsync(string what, SocketFactory factory, IReadOnlyList<SeededUser> users, Func<SeededUser, Uri> uriFor,
        int concurrency, LoadSocket.MessageHandler? onMessage, CancellationToken ct)
    {
        var sockets = new LoadSocket?[users.Count];
        var failed = 0;
        string? firstError = null;
        var opened = 0;
        var clock = Stopwatch.StartNew();
        using var progress = Every(TimeSpan.FromSeconds(1), () =>
            Output.Progress($"{what}: {Volatile.Read(ref opened)}/{users.Count} open, {Volatile.Read(ref failed)} failed"));
        await Parallel.ForEachAsync(Enumerable.Range(0, users.Count), new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct },
            async (i, token) =>
            {
                try
                {
                    var socket = await factory.ConnectAsync(uriFor(users[i]), i, users[i].IdText, token);
                    socket.OnMessage = onMessage;
                    socket.StartReceiving(ct);
                    sockets[i] = socket;
                    Interlocked.Increment(ref opened);
                }
                catch (Exception e) when (e is System.Net.WebSockets.WebSocketException or HttpRequestException or System.Net.Sockets.SocketException
                                              || (e is OperationCanceledException && !token.IsCancellationRequested))
                {
                    Interlocked.Increment(ref failed);
                    Interlocked.CompareExchange(ref firstError, e.GetBaseException().Message, null);
                }
            });
        return new Opened(sockets.Where(s => s is not null).ToArray()!, failed, firstError, clock.Elapsed.TotalSeconds);
    }

    public static async Task<double> CloseAllAsync(string what, IReadOnlyList<LoadSocket> sockets, int concurrency)
    {
        var clock = Stopwatch.StartNew();
        var closed = 0;
        using var progress = Every(TimeSpan.FromSeconds(1), () => Output.Progress($"{what}: {Volatile.Read(ref closed)}/{sockets.Count} closed"));
        await Parallel.ForEachAsync(sockets, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (socket, _) =>
        {
            await socket.CloseAsync(TimeSpan.FromSeconds(10));
            Interlocked.Increment(ref closed);
        });
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>Runs <paramref name="action"/> every <paramref name="period"/> until disposed.</summary>
    public static IDisposable Every(TimeSpan period, Action action) => new Timer(_ => action(), null, period, period);
}
