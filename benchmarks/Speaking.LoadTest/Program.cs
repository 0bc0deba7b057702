using Speaking.LoadTest.Commands;
using Speaking.LoadTest.Harness;

// The load tool of issue 15: measures the service (in its own process, on loopback) against bare references in the
// same run. Progress on stderr, one JSON line on stdout. See Usage below and docs/BENCHMARKS.md.

const string Usage = """
    usage: dotnet benchmarks/Speaking.LoadTest/bin/Release/net10.0/Speaking.LoadTest.dll <command> [arguments] [options]

      connections N              N sockets from 127.0.0.x sources; server RSS and managed heap per socket (after full GCs),
                                 ping->pong percentiles on --sample sockets while all stay open, RSS after they close
          --per-address 1000 --concurrency 100 --sample 100 --ping-seconds 10 --ping-rate 5 --settle 10
      relay PAIRS RATE SECONDS   PAIRS matched pairs each sending RATE msg/s each way for SECONDS, against the bare Node
                                 relay (benchmarks/bare-relay) first, then the service; delivered msg/s, p50/p99/p999, ratios
          --warmup 2 --drain 10 --per-address 1000 --concurrency 100 --no-reference --bare-relay-dir DIR
          --nodes 2                  two service processes sharing a redis-server of the tool's own; sockets alternate
                                     between them and join in that order, so roulette pairs them across nodes
          --compare-nodes            after the bare relay, 1 node and then 2 nodes; ratios 2 nodes / 1 node
      match N                    N users join the queue at once, right after a round; time to the last `matched`, the
                                 round's time, and that everyone was matched exactly once, in one round
          --interval S (roulette interval; default 2, 5 from 2,000 users) --per-address 1000 --concurrency 100
          --nodes 2 | --compare-nodes  as for relay: users alternate between two nodes; or 1 node, then 2, in one run
      rest                       wrk (or --builtin-client) against a bare Kestrel /health, then the service's /health,
                                 /auth/me and /users?online_only=true; req/s, latency, database commands per request
          --seconds 10 --warmup 2 --connections 64 --threads 2 --online 300 --count-requests 200 --no-reference --builtin-client

    every command: --max-seconds S (hard bound; default per command), --url URL [--pid PID] (a running service on
    loopback; needs DATABASE_URL and SECRET_KEY to seed users), --api-dll PATH, --env NAME=VALUE (extra service
    setting, repeatable), --verbose (service output on stderr). Without --url the tool starts the service itself
    (dotnet src/Api/bin/<config>/net10.0/Speaking.Api.dll) against a throwaway PostgreSQL, or DATABASE_URL when set.
    """;

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.Error.WriteLine(Usage);
    return args.Length == 0 ? 2 : 0;
}

var command = args[0];
Options options;
try
{
    options = Options.Parse(args.Skip(1));
}
catch (UsageException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(Usage);
    return 2;
}

if (command == "bare-kestrel") return await References.RunBareKestrelAsync(options);

Func<Options, CancellationToken, Task<object>>? run = command switch
{
    "connections" => ConnectionsCommand.RunAsync,
    "relay" => RelayCommand.RunAsync,
    "match" => MatchCommand.RunAsync,
    "rest" => RestCommand.RunAsync,
    _ => null,
};
if (run is null)
{
    Console.Error.WriteLine($"unknown command '{command}'");
    Console.Error.WriteLine(Usage);
    return 2;
}

int maxSeconds;
try
{
    maxSeconds = options.Int("max-seconds", DefaultMaxSeconds(command, options), 1, 24 * 3600);
}
catch (UsageException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

var fileLimit = Machine.RaiseFileLimit();
Output.Progress($"{command}: bounded to {maxSeconds} s; file-descriptor limit {fileLimit}; {Environment.ProcessorCount} cores");
using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(maxSeconds));
// A last resort: if unwinding after the deadline hangs, the process still ends (children are killed on exit).
await using var watchdog = new Timer(_ =>
{
    Output.Result(new { Command = command, Ok = false, Error = $"did not finish within --max-seconds {maxSeconds} (+30 s to unwind)" });
    Environment.Exit(3);
}, null, TimeSpan.FromSeconds(maxSeconds + 30), Timeout.InfiniteTimeSpan);

try
{
    var result = await run(options, deadline.Token);
    Output.Result(result);
    return result is CommandResult { Ok: false } ? 1 : 0;
}
catch (UsageException e)
{
    Output.Progress(e.Message);
    Output.Result(new { Command = command, Ok = false, Error = e.Message });
    return 2;
}
catch (OperationCanceledException) when (deadline.IsCancellationRequested)
{
    Output.Result(new { Command = command, Ok = false, Error = $"stopped by --max-seconds {maxSeconds}" });
    return 1;
}
catch (Exception e)
{
    Output.Progress("failed: " + e);
    Output.Result(new { Command = command, Ok = false, Error = e.GetBaseException().Message });
    return 1;
}

static int DefaultMaxSeconds(string command, Options options) => command switch
{
    "relay" => (300 + 2 * options.PositionalInt(2, "SECONDS", 30, 1, 3600)) * (options.Flag("compare-nodes") ? 2 : 1),
    "connections" => 1200,
    "match" => options.Flag("compare-nodes") ? 1200 : 600,
    _ => 600,
};
