using System.Text.Json;

namespace Speaking.LoadToolSmokeTests;

/// <summary>
/// Each subcommand of the load tool at a tiny size (20 sockets, 2 s), and relay and match with one node against two
/// (a redis-server of the tool's own), so the harness cannot rot: the run ends with one JSON line, says it worked, and
/// its counts are right. Speed figures and ratios are never asserted; they only have to be there. One class, so the
/// runs go one after the other on the shared cores.
/// </summary>
public sealed class LoadToolSmokeTests(LoadTool tool) : IClassFixture<LoadTool>
{
    [Fact]
    public async Task Connections_holds_every_socket_and_measures_memory_and_ping()
    {
        var run = await tool.RunAsync("connections", "20", "--sample", "20", "--ping-seconds", "2", "--max-seconds", "180");

        ShouldBeOk(run, "connections");
        var results = run.Results;
        results.GetProperty("opened").GetInt32().ShouldBe(20, run.Describe());
        results.GetProperty("online_by_server").GetInt64().ShouldBe(20, run.Describe());
        results.GetProperty("still_open_after_ping").GetInt32().ShouldBe(20, run.Describe());
        results.GetProperty("source_addresses").GetInt32().ShouldBe(1, run.Describe());
        var ping = results.GetProperty("ping");
        ping.GetProperty("missing").GetInt64().ShouldBe(0, run.Describe());
        ping.GetProperty("latency").GetProperty("samples").GetInt32().ShouldBe(ping.GetProperty("sent").GetInt32(), run.Describe());
        ping.GetProperty("sent").GetInt32().ShouldBeGreaterThan(0, run.Describe());
        var server = results.GetProperty("server");
        foreach (var figure in new[] { "idle_rss_bytes", "idle_heap_bytes", "loaded_rss_bytes", "loaded_heap_bytes", "after_close_rss_bytes" })
            server.GetProperty(figure).GetInt64().ShouldBeGreaterThan(0, $"{figure}: {run.Describe()}");
        ShouldHaveTargets(run, 3);
    }

    [Fact]
    public async Task Relay_delivers_every_message_through_the_bare_relay_and_the_service()
    {
        var run = await tool.RunAsync("relay", "10", "5", "2", "--warmup", "0", "--max-seconds", "180");

        ShouldBeOk(run, "relay");
        var results = run.Results;
        results.GetProperty("matched_pairs").GetInt32().ShouldBe(10, run.Describe());
        foreach (var side in new[] { "bare", "service" })
        {
            var load = results.GetProperty(side);
            load.GetProperty("senders").GetInt32().ShouldBe(20, $"{side}: {run.Describe()}");
            load.GetProperty("sent").GetInt64().ShouldBeGreaterThan(0, $"{side}: {run.Describe()}");
            load.GetProperty("delivered").GetInt64().ShouldBe(load.GetProperty("sent").GetInt64(), $"{side}: {run.Describe()}");
            load.GetProperty("errors").GetInt64().ShouldBe(0, $"{side}: {run.Describe()}");
            load.GetProperty("latency").GetProperty("samples").GetInt32().ShouldBeGreaterThan(0, $"{side}: {run.Describe()}");
        }

        results.GetProperty("throughput_ratio").ValueKind.ShouldBe(JsonValueKind.Number, run.Describe());
        results.GetProperty("p99_ratio").ValueKind.ShouldBe(JsonValueKind.Number, run.Describe());
        ShouldHaveTargets(run, 2);
    }

    [Fact]
    public async Task Match_pairs_everyone_exactly_once_in_one_round()
    {
        var run = await tool.RunAsync("match", "20", "--interval", "2", "--max-seconds", "180");

        ShouldBeOk(run, "match");
        var results = run.Results;
        results.GetProperty("joined").GetInt32().ShouldBe(20, run.Describe());
        results.GetProperty("matched_once").GetInt32().ShouldBe(20, run.Describe());
        results.GetProperty("matched_more_than_once").GetInt32().ShouldBe(0, run.Describe());
        results.GetProperty("mutual_pairs").GetInt32().ShouldBe(10, run.Describe());
        results.GetProperty("sessions").GetInt32().ShouldBe(10, run.Describe());
        results.GetProperty("rounds").GetInt64().ShouldBe(1, run.Describe());
        results.GetProperty("round_seconds").ValueKind.ShouldBe(JsonValueKind.Number, run.Describe());
        ShouldHaveTargets(run, 1);
    }

    [Fact]
    public async Task Relay_compare_nodes_delivers_every_message_on_one_node_and_across_two()
    {
        var run = await tool.RunAsync("relay", "10", "5", "2", "--warmup", "0", "--compare-nodes", "--max-seconds", "200");

        ShouldBeOk(run, "relay");
        var results = run.Results;
        foreach (var (side, nodes) in new[] { ("one_node", 1), ("two_nodes", 2) })
        {
            var layout = results.GetProperty(side);
            layout.GetProperty("nodes").GetInt32().ShouldBe(nodes, run.Describe());
            layout.GetProperty("matched_pairs").GetInt32().ShouldBe(10, $"{side}: {run.Describe()}");
            layout.GetProperty("sockets_per_node").EnumerateArray().Select(n => n.GetInt32()).ShouldBe(nodes == 1 ? [20] : [10, 10], run.Describe());
            var rss = layout.GetProperty("server_rss_bytes").EnumerateArray().ToArray();
            rss.Length.ShouldBe(nodes, run.Describe());
            foreach (var bytes in rss) bytes.GetInt64().ShouldBeGreaterThan(0, $"{side}: {run.Describe()}");
            var load = layout.GetProperty("load");
            load.GetProperty("senders").GetInt32().ShouldBe(20, $"{side}: {run.Describe()}");
            load.GetProperty("sent").GetInt64().ShouldBeGreaterThan(0, $"{side}: {run.Describe()}");
            load.GetProperty("delivered").GetInt64().ShouldBe(load.GetProperty("sent").GetInt64(), $"{side}: {run.Describe()}");
            load.GetProperty("errors").GetInt64().ShouldBe(0, $"{side}: {run.Describe()}");
        }

        // Joined one at a time, alternating nodes: roulette pairs every socket with one on the other node.
        results.GetProperty("two_nodes").GetProperty("cross_node_pairs").GetInt32().ShouldBe(10, run.Describe());
        results.GetProperty("one_node").GetProperty("cross_node_pairs").GetInt32().ShouldBe(0, run.Describe());
        results.GetProperty("bare").GetProperty("delivered").GetInt64().ShouldBe(results.GetProperty("bare").GetProperty("sent").GetInt64(), run.Describe());
        foreach (var ratio in new[] { "delivered_per_second", "p50", "p99" })
            results.GetProperty("two_nodes_over_one_node").GetProperty(ratio).ValueKind.ShouldBe(JsonValueKind.Number, $"{ratio}: {run.Describe()}");
        ShouldHaveTargets(run, 4);
    }

    [Fact]
    public async Task Match_compare_nodes_pairs_everyone_exactly_once_on_one_node_and_across_two()
    {
        var run = await tool.RunAsync("match", "20", "--interval", "2", "--compare-nodes", "--max-seconds", "200");

        ShouldBeOk(run, "match");
        var results = run.Results;
        foreach (var (side, nodes) in new[] { ("one_node", 1), ("two_nodes", 2) })
        {
            var layout = results.GetProperty(side);
            layout.GetProperty("nodes").GetInt32().ShouldBe(nodes, run.Describe());
            // With two nodes the round runs on one of them, so the users of the other get `matched` through Redis.
            layout.GetProperty("sockets_per_node").EnumerateArray().Select(n => n.GetInt32()).ShouldBe(nodes == 1 ? [20] : [10, 10], run.Describe());
            layout.GetProperty("joined").GetInt32().ShouldBe(20, $"{side}: {run.Describe()}");
            layout.GetProperty("matched_once").GetInt32().ShouldBe(20, $"{side}: {run.Describe()}");
            layout.GetProperty("matched_more_than_once").GetInt32().ShouldBe(0, $"{side}: {run.Describe()}");
            layout.GetProperty("mutual_pairs").GetInt32().ShouldBe(10, $"{side}: {run.Describe()}");
            layout.GetProperty("sessions").GetInt32().ShouldBe(10, $"{side}: {run.Describe()}");
            layout.GetProperty("rounds").GetInt64().ShouldBe(1, $"{side}: {run.Describe()}");
            layout.GetProperty("server_rss_bytes").GetArrayLength().ShouldBe(nodes, run.Describe());
        }

        // The joins go out at once, so which pairs straddle the nodes is counted, not arranged.
        results.GetProperty("two_nodes").GetProperty("cross_node_pairs").GetInt32().ShouldBeInRange(0, 10, run.Describe());
        results.GetProperty("two_nodes_over_one_node").GetProperty("round").ValueKind.ShouldBe(JsonValueKind.Number, run.Describe());
        ShouldHaveTargets(run, 2);
    }

    [Fact]
    public async Task Rest_loads_every_route_and_the_bare_kestrel_reference()
    {
        var run = await tool.RunAsync("rest", "--seconds", "1", "--warmup", "0", "--connections", "4", "--online", "20",
            "--count-requests", "20", "--max-seconds", "180");

        ShouldBeOk(run, "rest");
        var results = run.Results;
        foreach (var route in new[] { "bare_health_before", "bare_health_after", "health", "auth_me", "online_users" })
        {
            var load = results.GetProperty(route);
            load.GetProperty("requests").GetInt64().ShouldBeGreaterThan(0, $"{route}: {run.Describe()}");
            load.GetProperty("non2xx").GetInt64().ShouldBe(0, $"{route}: {run.Describe()}");
        }

        results.GetProperty("online_count").GetInt64().ShouldBe(20, run.Describe());
        results.GetProperty("listed_per_page").GetInt32().ShouldBe(20, run.Describe());
        results.GetProperty("auth_me_db_commands_per_request").GetDouble().ShouldBeGreaterThan(0, run.Describe());
        ShouldHaveTargets(run, 4);
    }

    private static void ShouldBeOk(ToolRun run, string command)
    {
        run.Json.GetProperty("command").GetString().ShouldBe(command, run.Describe());
        run.Json.GetProperty("ok").GetBoolean().ShouldBeTrue(run.Describe());
        run.Json.GetProperty("problems").GetArrayLength().ShouldBe(0, run.Describe());
        run.ExitCode.ShouldBe(0, run.Describe());
    }

    /// <summary>Every target row is there with a verdict; whether it is met is the benchmark's business, not the test's.</summary>
    private static void ShouldHaveTargets(ToolRun run, int rows)
    {
        var targets = run.Json.GetProperty("targets");
        targets.GetArrayLength().ShouldBe(rows, run.Describe());
        foreach (var target in targets.EnumerateArray())
            target.GetProperty("verdict").GetString().ShouldBeOneOf(["met", "not met", "not measured"], run.Describe());
    }
}
