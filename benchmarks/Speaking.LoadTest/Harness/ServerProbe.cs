using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace Speaking.LoadTest.Harness;

/// <summary>
/// Looks into the server process from outside through its diagnostics port (EventPipe), as dotnet-gcdump and
/// dotnet-counters do: an induced full blocking GC with the managed heap size after it, and EventCounters such as
/// Npgsql's total-commands.
/// </summary>
public static class ServerProbe
{
    private const string RuntimeProvider = "Microsoft-Windows-DotNETRuntime";

    /// <summary>
    /// Memory of the server right after a full GC. <see cref="ManagedHeapBytes"/> is what survived it: gen1, gen2, the
    /// large and the pinned object heaps. Gen0 is empty after a full blocking GC; the GCHeapStats event's "gen0 size"
    /// is the next gen0 allocation budget (hundreds of MB under server GC), so it is reported apart and not added.
    /// </summary>
    public sealed record Memory(long? RssBytes, long? ManagedHeapBytes, Generations? Heap, string? Error);

    public sealed record Generations(long Gen0Budget, long Gen1, long Gen2, long LargeObjectHeap, long PinnedObjectHeap);

    /// <summary>
    /// Induces a full blocking GC (an EventPipe session with the GCHeapCollect keyword, as dotnet-gcdump does), reads
    /// the heap size after it from the GCHeapStats event, then the process's RSS.
    /// </summary>
    public static async Task<Memory> FullGcAsync(int pid, TimeSpan timeout)
    {
        Generations? heap = null;
        string? error = null;
        try
        {
            heap = await Task.Run(() => InduceFullGc(pid, timeout)).WaitAsync(timeout + TimeSpan.FromSeconds(10));
            if (heap is null) error = $"no full GC was seen within {timeout.TotalSeconds:0} s";
        }
        catch (Exception e) when (e is ServerNotAvailableException or TimeoutException or UnsupportedCommandException or IOException or UnauthorizedAccessException)
        {
            error = "the diagnostics port did not answer: " + e.Message;
        }

        // Give the GC a moment to hand freed memory back before reading RSS.
        await Task.Delay(500);
        var managed = heap is null ? (long?)null : heap.Gen1 + heap.Gen2 + heap.LargeObjectHeap + heap.PinnedObjectHeap;
        return new Memory(Machine.RssBytes(pid), managed, heap, error);
    }

    private static Generations? InduceFullGc(int pid, TimeSpan timeout)
    {
        var client = new DiagnosticsClient(pid);
        var keywords = (long)(ClrTraceEventParser.Keywords.GC | ClrTraceEventParser.Keywords.GCHeapCollect);
        using var session = client.StartEventPipeSession([new EventPipeProvider(RuntimeProvider, EventLevel.Informational, keywords)],
            requestRundown: false, circularBufferMB: 64);
        using var source = new EventPipeEventSource(session.EventStream);
        Generations? heap = null;
        var fullGcStarted = false;
        var done = new ManualResetEventSlim();
        source.Clr.GCStart += e =>
        {
            if (e.Depth >= 2) fullGcStarted = true;
        };
        source.Clr.GCHeapStats += e =>
        {
            if (!fullGcStarted || heap is not null) return;
            heap = new Generations(e.GenerationSize0, e.GenerationSize1, e.GenerationSize2, e.GenerationSize3, e.GenerationSize4);
            done.Set();
        };
        var processing = Task.Run(() =>
        {
            try
            {
                source.Process();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
            }
        });
        done.Wait(timeout);
        StopQuietly(session);
        processing.Wait(TimeSpan.FromSeconds(5));
        return heap;
    }

    /// <summary>
    /// A session that keeps the latest value of EventCounters (one sample a second) while it is open. Some counters
    /// (Npgsql's command counts among them) only count while someone listens, so open it before the measured work.
    /// </summary>
    public sealed class Counters : IDisposable
    {
        private readonly EventPipeSession _session;
        private readonly EventPipeEventSource _source;
        private readonly Task _processing;
        private readonly Dictionary<string, (double Value, DateTime WrittenUtc)> _latest = new(StringComparer.Ordinal);
        private readonly Lock _gate = new();

        private Counters(EventPipeSession session)
        {
            _session = session;
            _source = new EventPipeEventSource(session.EventStream);
            _source.Dynamic.All += OnEvent;
            _processing = Task.Run(() =>
            {
                try
                {
                    _source.Process();
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
                {
                }
            });
        }

        public static Counters? TryOpen(int pid, params string[] eventSources)
        {
            try
            {
                var arguments = new Dictionary<string, string> { ["EventCounterIntervalSec"] = "1" };
                var providers = eventSources.Select(name => new EventPipeProvider(name, EventLevel.Informational, -1, arguments)).ToArray();
                return new Counters(new DiagnosticsClient(pid).StartEventPipeSession(providers, requestRundown: false, circularBufferMB: 16));
            }
            catch (Exception e) when (e is ServerNotAvailableException or TimeoutException or UnsupportedCommandException or IOException)
            {
                Output.Progress("counters unavailable: " + e.Message);
                return null;
            }
        }

        /// <summary>
        /// The first value of the counter that the server wrote after this call (by the event's own timestamp, since
        /// EventPipe delivers with some delay), so it covers everything done before the call.
        /// </summary>
        public async Task<double?> NextAsync(string counter, TimeSpan timeout)
        {
            var after = DateTime.UtcNow;
            var deadline = after + timeout;
            while (DateTime.UtcNow < deadline)
            {
                lock (_gate)
                {
                    if (_latest.TryGetValue(counter, out var sample) && sample.WrittenUtc > after) return sample.Value;
                }

                await Task.Delay(100);
            }

            return null;
        }

        public void Dispose()
        {
            StopQuietly(_session);
            _processing.Wait(TimeSpan.FromSeconds(5));
            _source.Dispose();
            _session.Dispose();
        }

        private void OnEvent(TraceEvent e)
        {
            if (e.EventName != "EventCounters" || e.PayloadValue(0) is not IDictionary<string, object> outer
                || !outer.TryGetValue("Payload", out var inner) || inner is not IDictionary<string, object> payload) return;
            if (!payload.TryGetValue("Name", out var name) || name is not string counter) return;
            var value = payload.TryGetValue("Mean", out var mean) ? mean : payload.TryGetValue("Increment", out var increment) ? increment : null;
            if (value is null) return;
            lock (_gate) _latest[counter] = (Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture), e.TimeStamp.ToUniversalTime());
        }
    }

    private static void StopQuietly(EventPipeSession session)
    {
        try
        {
            session.Stop();
        }
        catch (Exception e) when (e is ServerNotAvailableException or TimeoutException or IOException or ObjectDisposedException or EndOfStreamException)
        {
        }
    }
}
