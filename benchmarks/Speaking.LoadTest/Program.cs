using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Speaking.Api;

// End-to-end load on loopback: registers 2N users over REST, connects 2N WebSockets, queues everyone for
// roulette, waits until every user is matched, then each user trickles K ICE candidates to its partner through
// the relay. Reports registration and matching times, relay throughput and per-message latency percentiles.
// The service runs in this process (same 2 cores), against its embedded PostgreSQL unless DATABASE_URL is set.
//   dotnet run -c Release --project benchmarks/Speaking.LoadTest -- [pairs=200] [candidates=50]
var pairs = args.Length > 0 ? int.Parse(args[0]) : 200;
var candidates = args.Length > 1 ? int.Parse(args[1]) : 50;
var dataDir = Path.Combine(Path.GetTempPath(), "speaking-loadtest-" + Guid.NewGuid().ToString("N"));
var settings = new Dictionary<string, string?>
{
    ["PORT"] = "0", ["ROULETTE_INTERVAL_SECONDS"] = "1", ["SECRET_KEY"] = "load-test-secret", ["SPEAKING_DATA_DIR"] = dataDir,
    ["Serilog:MinimumLevel:Default"] = "Warning", ["REGISTER_MAX_PER_ADDRESS"] = "100000",
};
if (Environment.GetEnvironmentVariable("DATABASE_URL") is { Length: > 0 } url) settings["DATABASE_URL"] = url;

var app = await SpeakingApp.CreateAsync([], settings);
await app.StartAsync();
var port = app.BoundPort;
using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
var users = pairs * 2;
Console.WriteLine($"pairs={pairs} candidates={candidates} users={users} cores={Environment.ProcessorCount}");

var clock = Stopwatch.StartNew();
var registered = new (string Id, string Token)[users];
await Parallel.ForEachAsync(Enumerable.Range(0, users), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
{
    var response = await http.PostAsJsonAsync("/auth/register",
        new { email = $"load{i}-{Guid.NewGuid():N}@example.com", password = "secret123", username = $"load{i}" }, ct);
    response.EnsureSuccessStatusCode();
    using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
    registered[i] = (body.RootElement.GetProperty("user").GetProperty("id").GetString()!, body.RootElement.GetProperty("access_token").GetString()!);
});
var registerSeconds = clock.Elapsed.TotalSeconds;

var sockets = new ClientWebSocket[users];
for (var i = 0; i < users; i++)
{
    sockets[i] = new ClientWebSocket();
    await sockets[i].ConnectAsync(new Uri($"ws://127.0.0.1:{port}/ws/match/{registered[i].Id}?token={registered[i].Token}"), CancellationToken.None);
}

clock.Restart();
foreach (var socket in sockets) await Send(socket, """{"type":"join_queue","data":{"mode":"roulette"}}""");
var partners = new string[users];
await Task.WhenAll(Enumerable.Range(0, users).Select(async i =>
{
    while (true)
    {
        using var message = JsonDocument.Parse(await Receive(sockets[i]));
        if (message.RootElement.GetProperty("type").GetString() != "matched") continue;
        partners[i] = message.RootElement.GetProperty("data").GetProperty("partner_id").GetString()!;
        return;
    }
}));
var matchSeconds = clock.Elapsed.TotalSeconds;

var latencies = new double[users * candidates];
clock.Restart();
var receivers = Enumerable.Range(0, users).Select(async i =>
{
    for (var n = 0; n < candidates; n++)
    {
        using var message = JsonDocument.Parse(await Receive(sockets[i]));
        var sent = message.RootElement.GetProperty("data").GetProperty("candidate").GetProperty("candidate").GetString()!;
        latencies[i * candidates + n] = Stopwatch.GetElapsedTime(long.Parse(sent.Split(' ')[1])).TotalMilliseconds;
    }
}).ToArray();
var senders = Enumerable.Range(0, users).Select(async i =>
{
    for (var n = 0; n < candidates; n++)
    {
        var candidate = "candidate: " + Stopwatch.GetTimestamp() + " udp";
        await Send(sockets[i], JsonSerializer.Serialize(new
        {
            type = "ice_candidate",
            data = new { target_user_id = partners[i], data = new { candidate = new { candidate, sdpMid = "0", sdpMLineIndex = 0 } } },
        }));
        if (n % 10 == 9) await Task.Delay(500); // stay inside the 20 msg/s per-connection limit (bursts of 50)
    }
}).ToArray();
await Task.WhenAll(senders);
await Task.WhenAll(receivers);
var relaySeconds = clock.Elapsed.TotalSeconds;

Array.Sort(latencies);
double Percentile(double p) => latencies[Math.Min(latencies.Length - 1, (int)(p * latencies.Length))];
Console.WriteLine($"register {users} users: {registerSeconds:0.00} s ({users / registerSeconds:0} /s)");
Console.WriteLine($"queue -> everyone matched: {matchSeconds:0.00} s (interval 1 s)");
Console.WriteLine($"relayed {latencies.Length} candidates in {relaySeconds:0.00} s ({latencies.Length / relaySeconds:0} msg/s, paced by the rate limit)");
Console.WriteLine($"relay latency ms: p50 {Percentile(0.50):0.0}  p95 {Percentile(0.95):0.0}  p99 {Percentile(0.99):0.0}  max {latencies[^1]:0.0}");

foreach (var socket in sockets) socket.Abort();
await app.DisposeAsync();
try { Directory.Delete(dataDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
return;

static Task Send(ClientWebSocket socket, string text) =>
    socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

static async Task<string> Receive(ClientWebSocket socket)
{
    var buffer = new byte[64 * 1024];
    var length = 0;
    WebSocketReceiveResult result;
    do
    {
        result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer, length, buffer.Length - length), CancellationToken.None);
        length += result.Count;
    } while (!result.EndOfMessage);
    return Encoding.UTF8.GetString(buffer, 0, length);
}
