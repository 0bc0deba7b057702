using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Speaking.LoadTest.Harness;

namespace Speaking.LoadTest.Commands;

/// <summary>
/// <c>rest</c>: a closed-loop HTTP load (wrk) against a bare Kestrel app's <c>/health</c> (before and after), and the
/// service's <c>/health</c>, <c>/auth/me</c> and <c>/users?online_only=true</c> (with a seeded user's token, while
/// <c>--online</c> users hold sockets, so the list has people in it). Reports req/s and latency, the ratios, and the
/// database commands per authenticated request (the server's own Npgsql counter, read through EventPipe).
/// </summary>
public static class RestCommand
{
    public static async Task<object> RunAsync(Options options, CancellationToken ct)
    {
        var seconds = options.Double("seconds", 10, 1, 600);
        var warmup = options.Double("warmup", 2, 0, 60);
        var connections = options.Int("connections", 64, 1, 5000);
        var threads = options.Int("threads", 2, 1, 64);
        var onlineCount = options.Int("online", 300, 1, 10_000);
        var countedRequests = options.Int("count-requests", 200, 1, 100_000);
        var noReference = options.Flag("no-reference");
        var builtin = options.Flag("builtin-client");
        var echo = options.Flag("verbose");
        var apiDll = options.Get("api-dll") ?? (options.Get("url") is null ? Paths.ApiDll() : null);
        var problems = new List<string>();
        var wrk = builtin ? null : HttpLoad.FindWrk();
        if (!builtin && wrk is null) Output.Progress("wrk is not installed (apt-get install -y wrk): using the built-in closed-loop client");

        // The online users' sockets all come from one address: raise the per-address cap (200) as the other commands do.
        var caps = (onlineCount + 1000).ToString(CultureInfo.InvariantCulture);
        await using var service = await ServiceUnderTest.StartAsync(options, 60, new Dictionary<string, string?>
        {
            ["MAX_CONNECTIONS"] = caps, ["MAX_SOCKETS_PER_ADDRESS"] = caps,
        }, ct);
        options.RejectUnknown();

        Output.Progress($"seeding {onlineCount} users and opening a socket for each (they are the online list)");
        var users = await service.SeedUsersAsync(onlineCount, ct);
        using var factory = new SocketFactory(1000);
        var opened = await SocketPhases.OpenAsync("connecting", factory, users, service.WebSocketUri, 50, null, ct);
        if (opened.Failed > 0) problems.Add($"{opened.Failed} of {onlineCount} sockets could not be opened: {opened.FirstError}");
        var token = users[0].Token;

        // What the measured requests answer, once, before the load.
        using var http = new HttpClient { BaseAddress = service.BaseUri, Timeout = TimeSpan.FromSeconds(10) };
        var online = 0L;
        for (var i = 0; i < 100 && (online = await service.ScalarAsync("SELECT count(*) FROM users WHERE is_online", ct)) < opened.Sockets.Length; i++)
            await Task.Delay(100, ct);
        var listed = await CountListedAsync(http, token, problems, ct);
        using (var me = new HttpRequestMessage(HttpMethod.Get, "/auth/me"))
        {
            me.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(me, ct);
            if (!response.IsSuccessStatusCode) problems.Add($"GET /auth/me answered {(int)response.StatusCode}");
        }

        Output.Progress($"{online} users online; GET /users?online_only=true lists {listed} (the default page)");

        async Task<HttpLoad.Result> Measure(string name, Uri url, string? bearer, bool warm = true)
        {
            if (warm && warmup > 0)
            {
                Output.Progress($"{name}: warm-up {warmup} s");
                await HttpLoad.RunAsync(wrk, url, bearer, warmup, connections, threads, ct);
            }

            Output.Progress($"{name}: {seconds} s, {connections} connections, {(wrk is null ? "built-in client" : $"wrk -t{threads}")}");
            var result = await HttpLoad.RunAsync(wrk, url, bearer, seconds, connections, threads, ct);
            Output.Progress($"{name}: {result.RequestsPerSecond:0} req/s, p50 {result.LatencyP50Ms} ms, p99 {result.LatencyP99Ms} ms, {result.Non2xx} non-2xx, {result.SocketErrors} socket errors");
            if (result.Requests == 0) problems.Add($"{name}: no request completed");
            if (result.Non2xx > 0) problems.Add($"{name}: {result.Non2xx} answers were not 2xx");
            return result;
        }

        HttpLoad.Result? bareBefore = null, bareAfter = null;
        References.Started? bare = null;
        try
        {
            if (!noReference && apiDll is not null)
            {
                bare = await References.StartBareKestrelAsync(apiDll, echo, ct);
                bareBefore = await Measure("bare Kestrel /health (before)", new Uri($"http://127.0.0.1:{bare.Port}/health"), null);
            }

            var health = await Measure("service /health", new Uri(service.BaseUri, "/health"), null);

            var (me, meCommands) = await MeasureCounting("service /auth/me", new Uri(service.BaseUri, "/auth/me"));
            var (list, listCommands) = await MeasureCounting("service /users?online_only=true", new Uri(service.BaseUri, "/users?online_only=true"));

            if (bare is not null) bareAfter = await Measure("bare Kestrel /health (after)", new Uri($"http://127.0.0.1:{bare.Port}/health"), null);

            async Task<(HttpLoad.Result Result, double? CommandsPerRequest)> MeasureCounting(string name, Uri url)
            {
                var result = await Measure(name, url, token);
                // Database commands per request: an exact count of sequential requests between two samples of the
                // server's Npgsql total-commands counter (wrk's last requests are cut off mid-flight, so not from wrk).
                // The counter session is open only around this probe, so it costs the wrk runs nothing.
                double? perRequest = null;
                using var counters = service.Pid is { } pid ? ServerProbe.Counters.TryOpen(pid, "Npgsql") : null;
                if (counters is not null)
                {
                    var before = await counters.NextAsync("total-commands", TimeSpan.FromSeconds(5));
                    for (var i = 0; i < countedRequests; i++)
                    {
                        using var request = new HttpRequestMessage(HttpMethod.Get, url);
                        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                        using var response = await http.SendAsync(request, ct);
                        if (!response.IsSuccessStatusCode) problems.Add($"{name}: a counted request answered {(int)response.StatusCode}");
                    }

                    var after = await counters.NextAsync("total-commands", TimeSpan.FromSeconds(5));
                    perRequest = before is { } b && after is { } a ? Math.Round((a - b) / countedRequests, 3) : null;
                }

                Output.Progress($"{name}: {perRequest?.ToString("0.###", CultureInfo.InvariantCulture) ?? "n/a"} database commands per request ({countedRequests} sequential requests counted)");
                return (result, perRequest);
            }

            double? bareRps = (bareBefore, bareAfter) switch
            {
                ({ } x, { } y) => (x.RequestsPerSecond + y.RequestsPerSecond) / 2,
                ({ } x, null) => x.RequestsPerSecond,
                _ => null,
            };
            var healthRatio = Output.Ratio(health.RequestsPerSecond, bareRps);
            var meRatio = Output.Ratio(me.RequestsPerSecond, health.RequestsPerSecond);
            var listRatio = Output.Ratio(list.RequestsPerSecond, health.RequestsPerSecond);
            var targets = new List<Target>
            {
                Target.AtLeast("/health req/s, service / bare Kestrel", healthRatio, "x", 0.70, "reference: the mean of the bare runs before and after"),
                Target.AtLeast("/auth/me req/s / service /health", meRatio, "x", 0.30),
                Target.AtMost("/auth/me database commands per request", meCommands, "commands", 1.0),
                Target.AtLeast("/users?online_only=true req/s / service /health", listRatio, "x", 0.80,
                    $"{online} users online, the list returns {listed} (default page)"),
            };

            await SocketPhases.CloseAllAsync("closing", opened.Sockets, 50);
            return new CommandResult("rest", problems.Count == 0, null,
                new { Seconds = seconds, Warmup = warmup, Connections = connections, Threads = threads, Online = onlineCount, Client = wrk is null ? "builtin" : "wrk" },
                Machine.Describe(),
                new
                {
                    BareHealthBefore = bareBefore, BareHealthAfter = bareAfter, BareHealthRequestsPerSecond = bareRps,
                    Health = health, AuthMe = me, AuthMeDbCommandsPerRequest = meCommands,
                    OnlineUsers = list, OnlineUsersDbCommandsPerRequest = listCommands, OnlineCount = online, ListedPerPage = listed,
                    HealthRatio = healthRatio, AuthMeRatio = meRatio, OnlineUsersRatio = listRatio,
                },
                targets, problems);
        }
        finally
        {
            if (bare is not null) await bare.DisposeAsync();
        }
    }

    private static async Task<int> CountListedAsync(HttpClient http, string token, List<string> problems, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/users?online_only=true");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
        {
            problems.Add($"GET /users?online_only=true answered {(int)response.StatusCode}");
            return 0;
        }

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        return json.RootElement.ValueKind == JsonValueKind.Array ? json.RootElement.GetArrayLength() : 0;
    }
}
