using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace Speaking.LoadTest.Harness;

/// <summary>
/// A closed-loop HTTP load: <c>wrk</c> (apt's /usr/bin/wrk) with a fixed duration, thread and connection count, or the
/// tool's own equivalent (<c>--builtin-client</c>, or when wrk is missing): C connections, each sending the next
/// request as soon as the previous answer arrived, for D seconds.
/// </summary>
public static partial class HttpLoad
{
    public sealed record Result(
        string Client,
        string Url,
        double Seconds,
        long Requests,
        long Non2xx,
        long SocketErrors,
        double RequestsPerSecond,
        double? LatencyP50Ms,
        double? LatencyP99Ms,
        double? LatencyMaxMs);

    public static string? FindWrk()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':').Append("/usr/bin"))
        {
            var path = Path.Combine(dir, "wrk");
            if (File.Exists(path)) return path;
        }

        return null;
    }

    public static Task<Result> RunAsync(string? wrk, Uri url, string? bearer, double seconds, int connections, int threads, CancellationToken ct)
    {
        if (!Machine.IsLoopbackHost(url.Host)) throw new UsageException($"HTTP load only targets loopback (got {url.Host})");
        return wrk is null ? BuiltinAsync(url, bearer, seconds, connections, ct) : WrkAsync(wrk, url, bearer, seconds, connections, threads, ct);
    }

    private static async Task<Result> WrkAsync(string wrk, Uri url, string? bearer, double seconds, int connections, int threads, CancellationToken ct)
    {
        var duration = Math.Max(1, (int)Math.Round(seconds));
        var start = new ProcessStartInfo(wrk) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-t", Math.Min(threads, connections).ToString(CultureInfo.InvariantCulture), "-c", connections.ToString(CultureInfo.InvariantCulture),
                     "-d", duration + "s", "--timeout", "10s", "--latency" })
            start.ArgumentList.Add(a);
        if (bearer is not null)
        {
            start.ArgumentList.Add("-H");
            start.ArgumentList.Add("Authorization: Bearer " + bearer);
        }

        start.ArgumentList.Add(url.ToString());
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start wrk");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(duration + 30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var text = await stdout;
        if (process.ExitCode != 0) throw new InvalidOperationException($"wrk failed ({process.ExitCode}): {(await stderr).Trim()} {text.Trim()}");
        var m = RequestsLine().Match(text);
        var requests = m.Success ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        var actual = m.Success ? ToMs(m.Groups[2].Value, m.Groups[3].Value) / 1000 : duration;
        var non2xx = Non2xxLine().Match(text) is { Success: true } n ? long.Parse(n.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        var errors = SocketErrorsLine().Match(text) is { Success: true } e
            ? e.Groups.Values.Skip(1).Sum(g => long.Parse(g.Value, CultureInfo.InvariantCulture)) : 0;
        var rps = RpsLine().Match(text) is { Success: true } r ? double.Parse(r.Groups[1].Value, CultureInfo.InvariantCulture) : requests / actual;
        double? Percentile(string p) => PercentileLine(p).Match(text) is { Success: true } pm ? ToMs(pm.Groups[1].Value, pm.Groups[2].Value) : null;
        var max = LatencyLine().Match(text) is { Success: true } l ? ToMs(l.Groups[1].Value, l.Groups[2].Value) : (double?)null;
        return new Result("wrk", url.ToString(), Math.Round(actual, 2), requests, non2xx, errors, Math.Round(rps, 1), Percentile("50"), Percentile("99"), max);
    }

    private static async Task<Result> BuiltinAsync(Uri url, string? bearer, double seconds, int connections, CancellationToken ct)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections, UseProxy = false, UseCookies = false };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        var latencies = new Latencies((int)Math.Min(20_000_000, seconds * 200_000));
        long requests = 0, non2xx = 0, errors = 0;
        var clock = Stopwatch.StartNew();
        var end = TimeSpan.FromSeconds(seconds);
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
        {
            while (clock.Elapsed < end && !ct.IsCancellationRequested)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
                var sent = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
                    latencies.Add(Stopwatch.GetTimestamp() - sent);
                    Interlocked.Increment(ref requests);
                    if (!response.IsSuccessStatusCode) Interlocked.Increment(ref non2xx);
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        }));
        var elapsed = clock.Elapsed.TotalSeconds;
        var summary = latencies.Summarise();
        return new Result("builtin", url.ToString(), Math.Round(elapsed, 2), requests, non2xx, errors, Math.Round(requests / elapsed, 1),
            summary.P50Ms, summary.P99Ms, summary.MaxMs);
    }

    private static double ToMs(string value, string unit)
    {
        var v = double.Parse(value, CultureInfo.InvariantCulture);
        return Math.Round(unit switch { "us" => v / 1000, "ms" => v, "s" => v * 1000, "m" => v * 60_000, "h" => v * 3_600_000, _ => v }, 3);
    }

    [GeneratedRegex(@"(\d+) requests in ([\d.]+)(us|ms|s|m|h)")]
    private static partial Regex RequestsLine();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex Non2xxLine();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrorsLine();

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RpsLine();

    [GeneratedRegex(@"^\s+Latency\s+[\d.]+\w+\s+[\d.]+\w+\s+([\d.]+)(us|ms|s|m|h)", RegexOptions.Multiline)]
    private static partial Regex LatencyLine();

    private static Regex PercentileLine(string p) => new($@"^\s+{p}%\s+([\d.]+)(us|ms|s|m|h)", RegexOptions.Multiline);
}
