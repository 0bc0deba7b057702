using System.Diagnostics;
using System.Globalization;
using System.Text;
using Speaking.LoadTest.Harness;

namespace Speaking.LoadTest.Commands;

/// <summary>
/// <c>connections N</c>: N sockets held open (one seeded user each, spread over 127.0.0.x sources). Measures the
/// server's RSS and managed heap after a full GC at idle (after a short warm-up), with the N sockets open, and after
/// they are closed; and ping→pong round trips on <c>--sample</c> sockets while all N stay open.
/// </summary>
public static class ConnectionsCommand
{
    private const long KiB = 1024;
    private const long MiB = 1024 * 1024;

    public static async Task<object> RunAsync(Options options, CancellationToken ct)
    {
        var count = options.PositionalInt(0, "N", 1000, 1, 19_000);
        var perAddress = options.Int("per-address", 1000, 1, 20_000);
        var concurrency = options.Int("concurrency", 100, 1, 1000);
        var sampleCount = Math.Min(count, options.Int("sample", 100, 1, 1000));
        var pingSeconds = options.Double("ping-seconds", 10, 0.5, 600);
        var pingRate = options.Double("ping-rate", 5, 0.1, 15);
        var settle = options.Double("settle", 10, 0, 600);
        var caps = (count + 1000).ToString(CultureInfo.InvariantCulture);
        var settings = new Dictionary<string, string?>
        {
            ["MAX_CONNECTIONS"] = caps, ["MAX_SOCKETS_PER_USER"] = "10", ["MAX_SOCKETS_PER_ADDRESS"] = caps,
        };

        await using var service = await ServiceUnderTest.StartAsync(options, 60, settings, ct);
        options.RejectUnknown();
        var problems = new List<string>();
        var pid = service.Pid;

        Output.Progress($"seeding {count} users");
        var users = await service.SeedUsersAsync(count, ct);
        using var factory = new SocketFactory(perAddress);

        // Warm-up: the handshake, presence and ping paths are compiled before the idle figure is taken.
        var warm = await SocketPhases.OpenAsync("warm-up", factory, users.Take(Math.Min(50, count)).ToArray(), service.WebSocketUri, concurrency, null, ct);
        foreach (var socket in warm.Sockets) await socket.SendAsync("""{"type":"ping"}""", ct);
        await Task.Delay(300, ct);
        await SocketPhases.CloseAllAsync("warm-up", warm.Sockets, concurrency);
        await WaitOnlineAsync(service, 0, TimeSpan.FromSeconds(30), ct);

        var idle = pid is { } p0 ? await ServerProbe.FullGcAsync(p0, TimeSpan.FromSeconds(30)) : null;
        Output.Progress($"idle after a full GC: RSS {Mb(idle?.RssBytes)}, managed heap {Mb(idle?.ManagedHeapBytes)}");

        // Every socket reads all the time; the sampled ones complete their pending ping when the pong arrives.
        var samplers = new Dictionary<int, PingState>();
        var stride = Math.Max(1, count / sampleCount);
        for (var i = 0; i < sampleCount; i++) samplers[Math.Min(count - 1, i * stride)] = new PingState();
        var unexpected = 0L;
        void OnMessage(LoadSocket socket, ReadOnlySpan<byte> message)
        {
            if (LoadSocket.TypeOf(message).SequenceEqual("pong"u8) && samplers.TryGetValue(socket.Index, out var state)) state.Pong();
            else Interlocked.Increment(ref unexpected);
        }

        var clientRssBefore = Machine.RssBytes(Environment.ProcessId);
        var opened = await SocketPhases.OpenAsync("connecting", factory, users, service.WebSocketUri, concurrency, OnMessage, ct);
        Output.Progress($"{opened.Sockets.Length} sockets open in {opened.Seconds:0.0} s ({opened.Failed} failed{(opened.FirstError is null ? "" : ": " + opened.FirstError)}) from {factory.AddressesUsed} source addresses");
        if (opened.Failed > 0) problems.Add($"{opened.Failed} of {count} sockets could not be opened: {opened.FirstError}");
        var online = await WaitOnlineAsync(service, opened.Sockets.Length, TimeSpan.FromSeconds(60), ct);
        if (online != opened.Sockets.Length) problems.Add($"the server counts {online} users online, {opened.Sockets.Length} sockets are open");

        var loaded = pid is { } p1 ? await ServerProbe.FullGcAsync(p1, TimeSpan.FromSeconds(60)) : null;
        Output.Progress($"{opened.Sockets.Length} open, after a full GC: RSS {Mb(loaded?.RssBytes)}, managed heap {Mb(loaded?.ManagedHeapBytes)}");

        // Ping→pong on the sampled sockets while every socket stays open.
        var bySocket = opened.Sockets.ToDictionary(s => s.Index);
        var sampled = samplers.Keys.Where(bySocket.ContainsKey).Select(i => (Socket: bySocket[i], State: samplers[i])).ToArray();
        var latencies = new Latencies((int)(sampled.Length * pingRate * pingSeconds * 1.2) + 100);
        var pingsSent = 0L;
        var pongsMissing = 0L;
        var clock = Stopwatch.StartNew();
        using (SocketPhases.Every(TimeSpan.FromSeconds(1), () => Output.Progress($"ping: {latencies.Count} round trips on {sampled.Length} sockets")))
        {
            await Task.WhenAll(sampled.Select(async s =>
            {
                var interval = TimeSpan.FromSeconds(1 / pingRate);
                var next = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * interval.TotalMilliseconds);
                while (next.TotalSeconds < pingSeconds && !ct.IsCancellationRequested)
                {
                    var wait = next - clock.Elapsed;
                    if (wait > TimeSpan.Zero) await Task.Delay(wait, ct);
                    var sent = Stopwatch.GetTimestamp();
                    var pong = s.State.Expect();
                    await s.Socket.SendAsync(Encoding.UTF8.GetBytes($$$"""{"type":"ping","data":{"ts":{{{sent}}}}}"""), ct);
                    Interlocked.Increment(ref pingsSent);
                    if (await Task.WhenAny(pong, Task.Delay(TimeSpan.FromSeconds(10), ct)) == pong) latencies.Add(await pong - sent);
                    else Interlocked.Increment(ref pongsMissing);
                    next += interval;
                    if (clock.Elapsed - next > TimeSpan.FromSeconds(1)) next = clock.Elapsed; // behind: do not burst to catch up
                }
            }));
        }

        var ping = latencies.Summarise();
        Output.Progress($"ping→pong over {ping.Samples} round trips: p50 {ping.P50Ms} ms, p99 {ping.P99Ms} ms, max {ping.MaxMs} ms");
        if (pongsMissing > 0) problems.Add($"{pongsMissing} pings got no pong within 10 s");
        var stillOpen = opened.Sockets.Count(s => s.Ws.State == System.Net.WebSockets.WebSocketState.Open);
        if (stillOpen != opened.Sockets.Length)
            problems.Add($"{opened.Sockets.Length - stillOpen} sockets were closed by the server during the run (first: {opened.Sockets.FirstOrDefault(s => s.Failure is not null)?.Failure})");
        var clientRss = Machine.RssBytes(Environment.ProcessId);

        var closeSeconds = await SocketPhases.CloseAllAsync("closing", opened.Sockets, concurrency);
        var offline = await WaitOnlineAsync(service, 0, TimeSpan.FromSeconds(60), ct);
        if (offline != 0) problems.Add($"{offline} users still online a minute after their sockets closed");
        var closed = pid is { } p2 ? await ServerProbe.FullGcAsync(p2, TimeSpan.FromSeconds(30)) : null;
        Output.Progress($"all closed, after a full GC: RSS {Mb(closed?.RssBytes)}, managed heap {Mb(closed?.ManagedHeapBytes)}");
        // The GC hands freed memory back to the OS over time, not at once: look again after --settle seconds.
        var after = closed;
        if (pid is { } p3 && settle > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(settle), ct);
            after = await ServerProbe.FullGcAsync(p3, TimeSpan.FromSeconds(30));
            Output.Progress($"{settle} s later, after another full GC: RSS {Mb(after.RssBytes)}, managed heap {Mb(after.ManagedHeapBytes)}");
        }

        foreach (var error in new[] { idle?.Error, loaded?.Error, closed?.Error, after?.Error }.Where(e => e is not null).Distinct()) problems.Add("GC probe: " + error);

        var n = opened.Sockets.Length;
        double? PerSocket(long? loadedBytes, long? idleBytes) => loadedBytes is { } l && idleBytes is { } i && n > 0 ? Math.Round((double)(l - i) / n, 0) : null;
        var rssPerSocket = PerSocket(loaded?.RssBytes, idle?.RssBytes);
        var heapPerSocket = PerSocket(loaded?.ManagedHeapBytes, idle?.ManagedHeapBytes);
        var targets = new List<Target>
        {
            Target.AtMost("ping→pong p99 with all sockets open", ping.P99Ms, "ms", 20),
            Target.AtMost("server RSS growth per socket (after a full GC)", rssPerSocket is { } r ? Math.Round(r / KiB, 2) : null, "KiB", 12,
                heapPerSocket is { } h ? $"of which managed heap {h / KiB:0.00} KiB" : null),
            Target.AtMost("server RSS after the sockets closed (full GC, then --settle s and another)", after?.RssBytes is { } a ? Math.Round((double)a / MiB, 1) : null, "MiB", 300),
        };
        if (count >= 18_000)
            targets.Insert(0, Target.AtLeast("sockets held", n, "sockets", 18_000));

        return new CommandResult("connections", problems.Count == 0, null,
            new { Sockets = count, PerAddress = perAddress, Concurrency = concurrency, Sample = sampleCount, PingSeconds = pingSeconds, PingRatePerSocket = pingRate, Settle = settle, ServerPid = pid },
            Machine.Describe(),
            new
            {
                Opened = n,
                OpenFailed = opened.Failed,
                OpenSeconds = Output.Round(opened.Seconds),
                SourceAddresses = factory.AddressesUsed,
                OnlineByServer = online,
                StillOpenAfterPing = stillOpen,
                UnexpectedMessages = Interlocked.Read(ref unexpected),
                CloseSeconds = Output.Round(closeSeconds),
                Server = new
                {
                    IdleRssBytes = idle?.RssBytes, IdleHeapBytes = idle?.ManagedHeapBytes,
                    LoadedRssBytes = loaded?.RssBytes, LoadedHeapBytes = loaded?.ManagedHeapBytes,
                    ClosedRssBytes = closed?.RssBytes, ClosedHeapBytes = closed?.ManagedHeapBytes,
                    AfterCloseRssBytes = after?.RssBytes, AfterCloseHeapBytes = after?.ManagedHeapBytes, SettleSeconds = settle,
                    IdleGenerations = idle?.Heap, LoadedGenerations = loaded?.Heap, AfterCloseGenerations = after?.Heap,
                    RssPerSocketBytes = rssPerSocket, HeapPerSocketBytes = heapPerSocket,
                },
                Ping = new { Sent = Interlocked.Read(ref pingsSent), Missing = Interlocked.Read(ref pongsMissing), Latency = ping },
                Client = new { RssBeforeBytes = clientRssBefore, RssLoadedBytes = clientRss },
            },
            targets, problems);
    }

    /// <summary>Polls the server's view of presence (users.is_online) until it reaches <paramref name="expected"/> or time runs out.</summary>
    private static async Task<long> WaitOnlineAsync(ServiceUnderTest service, long expected, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        long online;
        while ((online = await service.ScalarAsync("SELECT count(*) FROM users WHERE is_online", ct)) != expected && deadline.Elapsed < timeout)
            await Task.Delay(200, ct);
        return online;
    }

    private static string Mb(long? bytes) => bytes is { } b ? $"{b / (double)MiB:0.0} MiB" : "n/a";

    private sealed class PingState
    {
        private TaskCompletionSource<long> _pong = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>A task that completes with the Stopwatch timestamp at which the next pong was read.</summary>
        public Task<long> Expect()
        {
            var next = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _pong, next);
            return next.Task;
        }

        public void Pong() => Volatile.Read(ref _pong).TrySetResult(Stopwatch.GetTimestamp());
    }
}
