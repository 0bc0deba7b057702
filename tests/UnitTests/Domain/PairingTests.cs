using Speaking.Domain.Common;
using Speaking.Domain.Matchmaking;

namespace Speaking.UnitTests.Domain;

public class PairingTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);

    private static QueueTicket Ticket(int joinedSecond, QueueMode mode = QueueMode.Roulette, double level = 6.0, Guid? user = null) =>
        new(Guid.NewGuid(), user ?? Guid.NewGuid(), mode, IeltsBand.From(level), T0.AddSeconds(joinedSecond));

    private static QueueTicket Level(int joinedSecond, double level, Guid? user = null) =>
        Ticket(joinedSecond, QueueMode.LevelFilter, level, user);

    [Theory]
    [InlineData(2, 1, 0)]
    [InlineData(3, 1, 1)]
    [InlineData(4, 2, 0)]
    [InlineData(5, 2, 1)]
    [InlineData(1, 0, 1)]
    [InlineData(0, 0, 0)]
    public void Pair_RouletteLeavesOnlyAnOddLastTicketWaiting(int count, int expectedPairs, int expectedWaiting)
    {
        var tickets = Enumerable.Range(0, count).Select(i => Ticket(i)).ToArray();

        var result = Pairing.Pair(tickets);

        result.Pairs.Count.ShouldBe(expectedPairs);
        result.Waiting.Count.ShouldBe(expectedWaiting);
        if (expectedWaiting == 1) result.Waiting[0].ShouldBe(tickets[^1]);
    }

    [Fact]
    public void Pair_RoulettePairsInJoinOrderWithTheEarlierJoinedAsInitiator()
    {
        var first = Ticket(1);
        var second = Ticket(2);
        var third = Ticket(3);
        var fourth = Ticket(4);

        var result = Pairing.Pair([fourth, second, third, first]);

        result.Pairs.Count.ShouldBe(2);
        result.Pairs.ShouldContain(new MatchPair(first, second));
        result.Pairs.ShouldContain(new MatchPair(third, fourth));
        result.Waiting.ShouldBeEmpty();
    }

    [Theory]
    [InlineData(6.0, 6.5, true)]
    [InlineData(6.5, 6.0, true)]
    [InlineData(6.3, 5.8, true)] // 0.5000000000000004 in binary floating point
    [InlineData(6.0, 6.51, false)]
    [InlineData(6.51, 6.0, false)]
    [InlineData(1.0, 9.0, false)]
    [InlineData(7.0, 7.0, true)]
    public void Pair_LevelFilterPairsOnlyWithinHalfABand(double first, double second, bool pairs)
    {
        var a = Level(1, first);
        var b = Level(2, second);

        var result = Pairing.Pair([a, b]);

        result.Pairs.Count.ShouldBe(pairs ? 1 : 0);
        result.Waiting.Count.ShouldBe(pairs ? 0 : 2);
        if (pairs) result.Pairs[0].ShouldBe(new MatchPair(a, b));
    }

    [Fact]
    public void Pair_LevelFilterPrefersTheNearestLevel()
    {
        var firstSix = Level(1, 6.0);
        var sixAndAHalf = Level(2, 6.5);
        var secondSix = Level(3, 6.0);

        var result = Pairing.Pair([firstSix, sixAndAHalf, secondSix]);

        result.Pairs.ShouldBe([new MatchPair(firstSix, secondSix)]);
        result.Waiting.ShouldBe([sixAndAHalf]);
    }

    [Fact]
    public void Pair_LevelFilterMakesTheEarlierJoinedTheInitiatorWhateverTheLevels()
    {
        var laterLow = Level(5, 5.5);
        var earlierHigh = Level(1, 6.0);

        var result = Pairing.Pair([laterLow, earlierHigh]);

        result.Pairs.ShouldBe([new MatchPair(earlierHigh, laterLow)]);
    }

    [Fact]
    public void Pair_NeverPairsAcrossModes()
    {
        var roulette = Ticket(1, QueueMode.Roulette, 6.0);
        var levelFilter = Ticket(2, QueueMode.LevelFilter, 6.0);

        var result = Pairing.Pair([roulette, levelFilter]);

        result.Pairs.ShouldBeEmpty();
        result.Waiting.ShouldBe([roulette, levelFilter], ignoreOrder: true);
    }

    [Theory]
    [InlineData(QueueMode.Roulette)]
    [InlineData(QueueMode.LevelFilter)]
    public void Pair_NeverPairsAUserWithThemselves(QueueMode mode)
    {
        var user = Guid.NewGuid();
        var first = Ticket(1, mode, 6.0, user);
        var second = Ticket(2, mode, 6.0, user);

        var result = Pairing.Pair([first, second]);

        result.Pairs.ShouldBeEmpty();
        result.Waiting.ShouldBe([first, second], ignoreOrder: true);
    }

    [Fact]
    public void Pair_ADuplicateTicketDoesNotStopTheUserBeingPairedWithSomeoneElse()
    {
        var user = Guid.NewGuid();
        var first = Ticket(1, user: user);
        var duplicate = Ticket(2, user: user);
        var other = Ticket(3);

        var result = Pairing.Pair([first, duplicate, other]);

        result.Pairs.ShouldBe([new MatchPair(first, other)]);
        result.Waiting.ShouldBe([duplicate]);
    }

    [Theory]
    [InlineData(QueueMode.Roulette)]
    [InlineData(QueueMode.LevelFilter)]
    public void Pair_NeverPairsIneligibleUsersAndKeepsThemWaiting(QueueMode mode)
    {
        var busy = Ticket(1, mode);
        var a = Ticket(2, mode);
        var b = Ticket(3, mode);

        var result = Pairing.Pair([busy, a, b], user => user != busy.UserId);

        result.Pairs.ShouldBe([new MatchPair(a, b)]);
        result.Waiting.ShouldBe([busy]);
    }

    [Fact]
    public void Pair_WithNobodyEligiblePairsNobody()
    {
        var tickets = Enumerable.Range(0, 6).Select(i => Ticket(i)).ToArray();

        var result = Pairing.Pair(tickets, _ => false);

        result.Pairs.ShouldBeEmpty();
        result.Waiting.ShouldBe(tickets, ignoreOrder: true);
    }

    [Fact]
    public void Pair_KeepsEveryInvariantOverSeededRandomRounds()
    {
        var cases = 0;
        for (var seed = 1; seed <= 400; seed++)
        {
            var random = new Random(seed);
            var tickets = RandomTickets(random);
            var ineligible = tickets.Select(t => t.UserId).Distinct().Where(_ => random.Next(10) == 0).ToHashSet();

            var result = Pairing.Pair(tickets, user => !ineligible.Contains(user));

            CheckInvariants(seed, tickets, ineligible, result);
            cases++;
        }

        cases.ShouldBe(400);
    }

    private static QueueTicket[] RandomTickets(Random random)
    {
        var count = random.Next(0, 60);
        var users = new List<Guid>();
        var tickets = new QueueTicket[count];
        for (var i = 0; i < count; i++)
        {
            var user = users.Count > 0 && random.Next(8) == 0 ? users[random.Next(users.Count)] : Guid.NewGuid();
            users.Add(user);
            var level = random.Next(3) == 0
                ? 1.0 + random.NextDouble() * 8.0          // arbitrary fractions
                : 1.0 + random.Next(0, 17) * 0.5;          // the frontend's 0.5 steps
            var mode = random.Next(2) == 0 ? QueueMode.Roulette : QueueMode.LevelFilter;
            // Few distinct seconds, so equal join times happen too.
            tickets[i] = new QueueTicket(Guid.NewGuid(), user, mode, IeltsBand.From(level), T0.AddSeconds(random.Next(0, 40)));
        }

        return tickets;
    }

    private static void CheckInvariants(int seed, QueueTicket[] tickets, HashSet<Guid> ineligible, PairingResult result)
    {
        var because = $"seed {seed}";
        var placed = result.Pairs.SelectMany(p => new[] { p.Initiator, p.Callee }).Concat(result.Waiting).ToArray();
        placed.Length.ShouldBe(tickets.Length, because);
        placed.Select(t => t.Id).ShouldBe(tickets.Select(t => t.Id), ignoreOrder: true, because);

        var pairedUsers = result.Pairs.SelectMany(p => new[] { p.Initiator.UserId, p.Callee.UserId }).ToArray();
        pairedUsers.Distinct().Count().ShouldBe(pairedUsers.Length, because);

        foreach (var pair in result.Pairs)
        {
            pair.Initiator.Mode.ShouldBe(pair.Callee.Mode, because);
            pair.Initiator.UserId.ShouldNotBe(pair.Callee.UserId, because);
            ineligible.ShouldNotContain(pair.Initiator.UserId, because);
            ineligible.ShouldNotContain(pair.Callee.UserId, because);
            pair.Initiator.JoinedAt.ShouldBeLessThanOrEqualTo(pair.Callee.JoinedAt, because);
            if (pair.Mode == QueueMode.LevelFilter)
                pair.Initiator.Level.DistanceTo(pair.Callee.Level).ShouldBeLessThanOrEqualTo(IeltsBand.Tolerance + 1e-9, because);
        }

        // Maximality: among the tickets that took part (each eligible user's first ticket), no two waiting
        // tickets of distinct, unpaired users could have been paired with each other.
        var firstTicketIds = tickets.Where(t => !ineligible.Contains(t.UserId))
            .GroupBy(t => t.UserId)
            .Select(g => g.OrderBy(t => t.JoinedAt).ThenBy(t => t.Id).First().Id)
            .ToHashSet();
        var unpaired = result.Waiting.Where(t => firstTicketIds.Contains(t.Id) && !pairedUsers.Contains(t.UserId)).ToArray();

        unpaired.Count(t => t.Mode == QueueMode.Roulette).ShouldBeLessThanOrEqualTo(1, because);
        var waitingLevels = unpaired.Where(t => t.Mode == QueueMode.LevelFilter).ToArray();
        foreach (var a in waitingLevels)
        foreach (var b in waitingLevels)
        {
            if (a.UserId != b.UserId)
                a.Level.IsWithinHalfBandOf(b.Level).ShouldBeFalse($"{because}: {a.Level} and {b.Level} both wait");
        }
    }
}
