using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Speaking.LoadTest.Harness;

namespace Speaking.LoadTest.Commands;

/// <summary>
/// <c>match N</c>: N users (sockets open) join the roulette queue at once, right after a matchmaking round, so that
/// the next round sees all of them. The round that ended is told by a sentinel pair: two extra users join first, and
/// their `matched` marks the end of a round; the next one starts ROULETTE_INTERVAL_SECONDS later (the service waits
/// that long after each round ends). Reports the time from the joins to the last `matched`, the round's time (its
/// predicted start to the last `matched`), and checks that every user got exactly one `matched`, that partners name
/// each other with the same session, that nobody was paired twice, and that all sessions came from one round.
/// With <c>--nodes 2</c> the users alternate between two processes sharing a redis-server and the database (their
/// joins still go out at once, so how many pairs end up across nodes is counted, not arranged); <c>--compare-nodes</c>
/// runs one node, then two, and prints the two-node / one-node ratios.
/// </summary>
public static class MatchCommand
{
    public static async Task<object> RunAsync(Options options, CancellationToken ct)
    {
        var count = options.PositionalInt(0, "N", 1000, 2, 19_000);
        if (count % 2 != 0) throw new UsageException("N must be even, so that everyone can be matched");
        var interval = options.Int("interval", count >= 2000 ? 5 : 2, 1, 600);
        var perAddress = options.Int("per-address", 1000, 1, 20_000);
        var concurrency = options.Int("concurrency", 100, 1, 1000);
        var layouts = ServiceUnderTest.NodeLayouts(options);
        var problems = new List<string>();
        var targets = new List<Target>();
        var runs = new List<MatchRun>();
        foreach (var nodes in layouts)
        {
            var run = await RunLayoutAsync(options, nodes, count, interval, perAddress, concurrency, problems, ct);
            runs.Add(run);
            var of = layouts.Length == 1 && nodes == 1 ? "" : $" ({run.Name})";
            targets.Add(Target.AtMost($"one round over N waiting users, database included (predicted start to the last matched){of}",
                run.JoinsBeforeRound && run.Problems == 0 ? run.RoundSeconds : null, "s", 1.0,
                run.JoinsBeforeRound ? null : "not measured: the joins were not all in before the round started"));
        }

        var parameters = new { Users = count, IntervalSeconds = interval, PerAddress = perAddress, Concurrency = concurrency, Nodes = layouts };
        if (runs.Count == 1) return new CommandResult("match", problems.Count == 0, null, parameters, Machine.Describe(), runs[0], targets, problems);

        var (one, two) = (runs[0], runs[1]);
        var twoOverOne = new
        {
            ToLastMatched = Output.Ratio(two.ToLastMatchedSeconds, one.ToLastMatchedSeconds),
            Round = Output.Ratio(two.RoundSeconds, one.RoundSeconds),
        };
        Output.Progress($"two nodes / one node: time to the last matched {twoOverOne.ToLastMatched}x, round {twoOverOne.Round}x");
        return new CommandResult("match", problems.Count == 0, null, parameters, Machine.Describe(),
            new { OneNode = one, TwoNodes = two, TwoNodesOverOneNode = twoOverOne }, targets, problems);
    }

    /// <summary>What one layout of the service (<see cref="Nodes"/> processes) measured; <see cref="Problems"/> counts this run's problems.</summary>
    /// <param name="CrossNodePairs">Pairs whose two users' sockets are on different nodes (from the socket's node and the partner id in `matched`).</param>
    /// <param name="ServerRssBytes">Each node's resident set size once everyone was matched, before the sockets close.</param>
    public sealed record MatchRun(
        string Name, int Nodes, int Joined, int Refused, int MatchedOnce, int MatchedMoreThanOnce, int MutualPairs, int Sessions, long? Rounds,
        bool JoinsBeforeRound, double JoinSendSeconds, double JoinedAllSeconds, double ToLastMatchedSeconds, double RoundFirstMatchedSeconds,
        double RoundSeconds, double RoundStartPredictedSeconds, int CrossNodePairs, int[] SocketsPerNode, long?[] ServerRssBytes, int Problems);

    private static async Task<MatchRun> RunLayoutAsync(Options options, int nodes, int count, int interval, int perAddress, int concurrency,
        List<string> allProblems, CancellationToken ct)
    {
        var name = nodes == 1 ? "1 node" : $"{nodes} nodes";
        var caps = (count + 1000).ToString(CultureInfo.InvariantCulture);
        await using var service = await ServiceUnderTest.StartAsync(options, interval, new Dictionary<string, string?>
        {
            ["MAX_CONNECTIONS"] = caps, ["MAX_SOCKETS_PER_USER"] = "10", ["MAX_SOCKETS_PER_ADDRESS"] = caps,
        }, ct, nodes);
        options.RejectUnknown();
        var problems = new List<string>();

        Output.Progress($"{name}: seeding {count} users and a sentinel pair");
        var users = await service.SeedUsersAsync(count + 2, ct);
        // Users alternate between the nodes in list order: players 0, 1, 0, 1, …, and the two sentinels (the last two) 0 and 1.
        var nodeOf = service.Spread(users);
        var state = new MatchState();
        using var factory = new SocketFactory(perAddress);
        var opened = await SocketPhases.OpenAsync($"{name}: connecting", factory, users, u => service.WebSocketUri(u, nodeOf[u.IdText]), concurrency,
            state.OnMessage, ct);
        if (opened.Failed > 0) throw new InvalidOperationException($"{opened.Failed} of {count + 2} sockets could not be opened: {opened.FirstError}");
        var byUser = opened.Sockets.ToDictionary(s => s.UserId);
        var sentinels = new[] { byUser[users[^2].IdText], byUser[users[^1].IdText] };
        var players = users.Take(count).Select(u => byUser[u.IdText]).ToArray();

        // The sentinel pair: its `matched` tells when a round ended; the next starts `interval` seconds later.
        const string join = """{"type":"join_queue","data":{"mode":"roulette"}}""";
        foreach (var sentinel in sentinels) await sentinel.SendAsync(join, ct);
        if (!await WaitAsync(() => sentinels.All(s => state.MatchedCount(s.UserId) > 0), TimeSpan.FromSeconds(3 * interval + 30), ct))
            throw new InvalidOperationException($"{name}: the sentinel pair was not matched: is matchmaking running?" + service.ProcessTail());
        var roundEnded = sentinels.Max(s => state.FirstMatchedAt(s.UserId));
        var nextRound = roundEnded + TimeSpan.FromSeconds(interval);
        Output.Progress($"{name}: a round ended at {roundEnded.TotalSeconds:0.000} s; the next starts at about {nextRound.TotalSeconds:0.000} s");

        // Everyone joins at once.
        var joinStart = MatchState.Now;
        state.Track(players.Select(p => p.UserId));
        await Task.WhenAll(players.Select(p => p.SendAsync(join, ct)));
        var joinSent = MatchState.Now;
        using (SocketPhases.Every(TimeSpan.FromSeconds(1), () => Output.Progress($"{name}: {state.Joined}/{count} queued, {state.Matched}/{count} matched")))
        {
            await WaitAsync(() => state.Joined + state.Refused >= count, TimeSpan.FromSeconds(60 + count / 100.0), ct);
            var joinedAll = MatchState.Now;
            await WaitAsync(() => state.Matched >= count, TimeSpan.FromSeconds(3 * interval + 60 + count / 100.0), ct);
            var lastMatched = state.LastMatchedAt;
            await Task.Delay(500, ct); // a duplicate `matched` would arrive now
            var firstMatched = state.FirstMatchedAtOfTracked;

            // Checks: exactly one `matched` each, partners name each other with the same session, nobody twice.
            var matchedOnce = players.Count(p => state.MatchedCount(p.UserId) == 1);
            var matchedTwice = players.Count(p => state.MatchedCount(p.UserId) > 1);
            var mutual = players.Count(p => state.Partner(p.UserId) is { } m && state.Partner(m.PartnerId) is { } back
                                           && back.PartnerId == p.UserId && back.SessionId == m.SessionId);
            var sessions = players.Select(p => state.Partner(p.UserId)?.SessionId).Where(s => s is not null).Distinct().Count();
            var initiators = players.Count(p => state.Partner(p.UserId)?.IsInitiator == true);
            if (state.Refused > 0) problems.Add($"{state.Refused} joins were refused (first: {state.FirstRefusal})");
            if (matchedOnce != count) problems.Add($"{matchedOnce} of {count} users got exactly one `matched` ({count - matchedOnce - matchedTwice} none, {matchedTwice} more than one)");
            if (mutual != count) problems.Add($"{count - mutual} users' partners did not name them back with the same session");
            if (sessions != count / 2) problems.Add($"{sessions} distinct sessions for {count / 2} pairs");
            if (initiators != count / 2) problems.Add($"{initiators} initiators for {count / 2} pairs");
            var joinsBeforeRound = joinedAll < nextRound;
            if (!joinsBeforeRound)
                problems.Add($"the joins took until {joinedAll.TotalSeconds:0.000} s, after the predicted round start {nextRound.TotalSeconds:0.000} s: raise --interval");

            // One round: every session of this run started at the same instant (the round's clock).
            long? rounds = null;
            try
            {
                await using var command = service.Database.CreateCommand(
                    "SELECT count(DISTINCT started_at) FROM sessions WHERE user1_id = ANY($1) OR user2_id = ANY($1)");
                command.Parameters.AddWithValue(players.Select(p => Guid.Parse(p.UserId)).ToArray());
                rounds = Convert.ToInt64(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
                if (rounds != 1) problems.Add($"the sessions were created by {rounds} rounds, not one");
            }
            catch (Npgsql.PostgresException e)
            {
                Output.Progress("could not count the rounds in the sessions table: " + e.MessageText);
            }

            var roundSeconds = (lastMatched - nextRound).TotalSeconds;
            var toLastMatched = (lastMatched - joinStart).TotalSeconds;
            Output.Progress($"{name}: joins sent in {(joinSent - joinStart).TotalSeconds:0.000} s, all queued after {(joinedAll - joinStart).TotalSeconds:0.000} s; " +
                            $"first matched {(firstMatched - nextRound).TotalSeconds:0.000} s and last {roundSeconds:0.000} s after the predicted round start");
            var crossNode = players.Count(p => state.Partner(p.UserId) is { } m && nodeOf.TryGetValue(m.PartnerId, out var other)
                                               && other != nodeOf[p.UserId]) / 2;
            var perNode = Enumerable.Range(0, nodes).Select(n => players.Count(p => nodeOf[p.UserId] == n)).ToArray();
            var rss = service.RssBytes();
            if (nodes > 1)
            {
                Output.Progress($"{name}: {crossNode} of {count / 2} pairs have their two users on different nodes; users per node {string.Join(" / ", perNode)}");
                if (crossNode == 0) problems.Add("no pair was matched across nodes");
            }

            await SocketPhases.CloseAllAsync($"{name}: closing", opened.Sockets, concurrency);
            allProblems.AddRange(problems.Select(p => nodes == 1 ? p : $"{name}: {p}"));
            return new MatchRun(name, nodes, state.Joined, state.Refused, matchedOnce, matchedTwice, mutual / 2, sessions, rounds, joinsBeforeRound,
                Output.Round((joinSent - joinStart).TotalSeconds, 3), Output.Round((joinedAll - joinStart).TotalSeconds, 3),
                Output.Round(toLastMatched, 3), Output.Round((firstMatched - nextRound).TotalSeconds, 3), Output.Round(roundSeconds, 3),
                Output.Round(nextRound.TotalSeconds, 3), crossNode, perNode, rss, problems.Count);
        }

        async Task<bool> WaitAsync(Func<bool> condition, TimeSpan timeout, CancellationToken token)
        {
            var deadline = Stopwatch.StartNew();
            while (!condition())
            {
                if (deadline.Elapsed > timeout) return false;
                await Task.Delay(10, token);
            }

            return true;
        }
    }

    private sealed record Match(string PartnerId, string SessionId, bool IsInitiator, TimeSpan At);

    private sealed class MatchState
    {
        private static readonly Stopwatch Clock = Stopwatch.StartNew();

        /// <summary>The one clock every time of this command is read from.</summary>
        public static TimeSpan Now => Clock.Elapsed;
        private readonly ConcurrentDictionary<string, List<Match>> _matches = new();
        private HashSet<string> _tracked = [];
        private int _joined;
        private int _refused;
        private int _matched;
        private long _lastMatchedTicks;
        private long _firstMatchedTicks = long.MaxValue;

        public int Joined => Volatile.Read(ref _joined);

        public int Refused => Volatile.Read(ref _refused);

        public int Matched => Volatile.Read(ref _matched);

        public string? FirstRefusal { get; private set; }

        public TimeSpan LastMatchedAt => TimeSpan.FromTicks(Interlocked.Read(ref _lastMatchedTicks));

        public TimeSpan FirstMatchedAtOfTracked => TimeSpan.FromTicks(Interlocked.Read(ref _firstMatchedTicks));

        /// <summary>From now on, joins and matches of these users are counted (the sentinels are not).</summary>
        public void Track(IEnumerable<string> users) => _tracked = users.ToHashSet();

        public int MatchedCount(string user) => _matches.TryGetValue(user, out var list) ? list.Count : 0;

        public TimeSpan FirstMatchedAt(string user) => _matches[user][0].At;

        public Match? Partner(string user) => _matches.TryGetValue(user, out var list) && list.Count > 0 ? list[0] : null;

        public void OnMessage(LoadSocket socket, ReadOnlySpan<byte> message)
        {
            var at = Clock.Elapsed;
            var type = LoadSocket.TypeOf(message);
            var tracked = _tracked.Contains(socket.UserId);
            if (type.SequenceEqual("queue_joined"u8))
            {
                if (tracked) Interlocked.Increment(ref _joined);
            }
            else if (type.SequenceEqual("matched"u8))
            {
                using var json = JsonDocument.Parse(message.ToArray());
                var data = json.RootElement.GetProperty("data");
                var match = new Match(data.GetProperty("partner_id").GetString()!, data.GetProperty("session_id").GetString()!,
                    data.GetProperty("is_initiator").GetBoolean(), at);
                var list = _matches.GetOrAdd(socket.UserId, _ => []);
                lock (list) list.Add(match);
                if (!tracked) return;
                Interlocked.Increment(ref _matched);
                InterlockedMax(ref _lastMatchedTicks, at.Ticks);
                InterlockedMin(ref _firstMatchedTicks, at.Ticks);
            }
            else if (type.SequenceEqual("error"u8) && tracked)
            {
                Interlocked.Increment(ref _refused);
                FirstRefusal ??= System.Text.Encoding.UTF8.GetString(message);
            }
        }

        private static void InterlockedMax(ref long target, long value)
        {
            long current;
            while ((current = Interlocked.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
            {
            }
        }

        private static void InterlockedMin(ref long target, long value)
        {
            long current;
            while ((current = Interlocked.Read(ref target)) > value && Interlocked.CompareExchange(ref target, value, current) != current)
            {
            }
        }
    }
}
