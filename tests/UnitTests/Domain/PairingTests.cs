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

    [Theory]
    [InlineData(5)]
    [InlineData(50)] // beyond the insertion sort used for a few equal join times
    public void Pair_TicketsThatJoinedAtTheSameTimeGoInIdOrder(int count)
    {
        var tickets = Enumerable.Range(0, count).Select(i => Ticket(0, i % 2 == 0 ? QueueMode.Roulette : QueueMode.LevelFilter)).ToArray();
        var byId = tickets.OrderBy(t => t.Id).ToArray();

        var result = Pairing.Pair(tickets);

        result.Pairs.ShouldBe(PairingReference.Pair(tickets).Pairs);
        var roulette = byId.Where(t => t.Mode == QueueMode.Roulette).ToArray();
        result.Pairs[0].ShouldBe(new MatchPair(roulette[0], roulette[1]));
    }

    // ---- Rules of issue 17: blocks, suspensions, no instant re-pairing, widening ----

    private static readonly DateTime Now = T0.AddMinutes(10);

    private static PairingRules Rules(UserPair[]? blocked = null, UserPair[]? recent = null, Guid[]? suspended = null) => new(Now)
    {
        Blocked = blocked ?? [],
        RecentPairs = recent ?? [],
        Suspended = (suspended ?? []).ToHashSet(),
    };

    private static UserPair Between(QueueTicket a, QueueTicket b) => new(a.UserId, b.UserId);

    /// <summary>A level-filter ticket that has waited <paramref name="waitedSeconds"/> at <see cref="Now"/>.</summary>
    private static QueueTicket Waited(int waitedSeconds, double level, bool widen = true) =>
        new(Guid.NewGuid(), Guid.NewGuid(), QueueMode.LevelFilter, IeltsBand.From(level), Now.AddSeconds(-waitedSeconds), widen);

    [Fact]
    public void UserPair_IsTheSameWhicheverUserComesFirst()
    {
        var a = Guid.NewGuid();
        var b = Guid.NewGuid();

        new UserPair(a, b).ShouldBe(new UserPair(b, a));
        new UserPair(a, b).GetHashCode().ShouldBe(new UserPair(b, a).GetHashCode());
        new UserPair(a, b).Contains(b).ShouldBeTrue();
        new UserPair(a, b).Contains(Guid.NewGuid()).ShouldBeFalse();
    }

    [Fact]
    public void Pair_RouletteSkipsABlockedPartnerForTheNextOne()
    {
        var first = Ticket(1);
        var blockedByFirst = Ticket(2);
        var third = Ticket(3);

        var result = Pairing.Pair([first, blockedByFirst, third], Rules(blocked: [Between(blockedByFirst, first)]));

        result.Pairs.ShouldBe([new MatchPair(first, third)]);
        result.Waiting.ShouldBe([blockedByFirst]);
    }

    [Theory]
    [InlineData(QueueMode.Roulette)]
    [InlineData(QueueMode.LevelFilter)]
    public void Pair_NeverPairsABlockedPairEvenWhenTheyAreAlone(QueueMode mode)
    {
        var a = Ticket(1, mode);
        var b = Ticket(2, mode);

        var blockedOneWay = Pairing.Pair([a, b], Rules(blocked: [new UserPair(a.UserId, b.UserId)]));
        var blockedOtherWay = Pairing.Pair([a, b], Rules(blocked: [new UserPair(b.UserId, a.UserId)]));

        blockedOneWay.Pairs.ShouldBeEmpty();
        blockedOneWay.Waiting.ShouldBe([a, b], ignoreOrder: true);
        blockedOtherWay.Pairs.ShouldBeEmpty();
    }

    [Fact]
    public void Pair_LevelFilterSkipsABlockedNearestLevelForTheNextNearest()
    {
        var six = Level(1, 6.0);
        var blockedSix = Level(2, 6.0);
        var sixAndAHalf = Level(3, 6.5);

        var result = Pairing.Pair([six, blockedSix, sixAndAHalf], Rules(blocked: [Between(six, blockedSix)]));

        result.Pairs.ShouldBe([new MatchPair(six, sixAndAHalf)]);
        result.Waiting.ShouldBe([blockedSix]);
    }

    [Fact]
    public void Pair_BlocksBetweenOtherUsersChangeNothing()
    {
        var tickets = Enumerable.Range(0, 6).Select(i => Ticket(i)).ToArray();
        var strangers = new UserPair(Guid.NewGuid(), Guid.NewGuid());
        var strangerAndQueued = new UserPair(Guid.NewGuid(), tickets[0].UserId);

        var result = Pairing.Pair(tickets, Rules(blocked: [strangers, strangerAndQueued]));

        result.Pairs.ShouldBe(Pairing.Pair(tickets).Pairs);
    }

    [Theory]
    [InlineData(QueueMode.Roulette)]
    [InlineData(QueueMode.LevelFilter)]
    public void Pair_NeverPairsASuspendedUserAndKeepsTheirTicketWaiting(QueueMode mode)
    {
        var suspended = Ticket(1, mode);
        var a = Ticket(2, mode);
        var b = Ticket(3, mode);

        var result = Pairing.Pair([suspended, a, b], Rules(suspended: [suspended.UserId]));

        result.Pairs.ShouldBe([new MatchPair(a, b)]);
        result.Waiting.ShouldBe([suspended]);
    }

    [Fact]
    public void Pair_RoulettePairsARecentPairWhenTheyAreTheOnlyTwo()
    {
        var a = Ticket(1);
        var b = Ticket(2);

        var result = Pairing.Pair([a, b], Rules(recent: [Between(a, b)]));

        result.Pairs.ShouldBe([new MatchPair(a, b)]);
    }

    [Fact]
    public void Pair_RouletteDoesNotRepeatAPairWhileAThirdPartnerWaits()
    {
        var a = Ticket(1);
        var b = Ticket(2);
        var third = Ticket(3);

        var result = Pairing.Pair([a, b, third], Rules(recent: [Between(a, b)]));

        result.Pairs.ShouldBe([new MatchPair(a, third)]);
        result.Waiting.ShouldBe([b]);
    }

    [Fact]
    public void Pair_RouletteRepeatsAPairWhenTheThirdWaitingTicketIsBlockedWithBoth()
    {
        var a = Ticket(1);
        var b = Ticket(2);
        var third = Ticket(3);

        var result = Pairing.Pair([a, b, third], Rules(recent: [Between(a, b)], blocked: [Between(a, third), Between(b, third)]));

        result.Pairs.ShouldBe([new MatchPair(a, b)]);
        result.Waiting.ShouldBe([third]);
    }

    [Fact]
    public void Pair_RouletteAvoidsTwoRepeatsWhenSwappingPartnersPairsEveryone()
    {
        // Two calls just ended (a-b and c-d) and all four are back: a-c and b-d instead of the same calls again.
        var a = Ticket(1);
        var b = Ticket(2);
        var c = Ticket(3);
        var d = Ticket(4);

        var result = Pairing.Pair([a, b, c, d], Rules(recent: [Between(a, b), Between(c, d)]));

        result.Pairs.ShouldBe([new MatchPair(a, c), new MatchPair(b, d)]);
    }

    [Fact]
    public void Pair_LevelFilterIgnoresRecentPairs()
    {
        var a = Level(1, 6.0);
        var b = Level(2, 6.0);
        var third = Level(3, 6.5);

        var result = Pairing.Pair([a, b, third], Rules(recent: [Between(a, b)]));

        result.Pairs.ShouldBe([new MatchPair(a, b)]);
    }

    [Theory]
    [InlineData(0, 0, false)]
    [InlineData(59, 59, false)]
    [InlineData(60, 60, true)]   // both waited LevelWidenAfter: ±1.0
    [InlineData(60, 59, false)]  // within the band of one only
    [InlineData(119, 500, true)]
    public void Pair_WideningPairsOneBandApartOnceBothHaveWaitedTheDelay(int firstWaited, int secondWaited, bool pairs)
    {
        var six = Waited(firstWaited, 6.0);
        var seven = Waited(secondWaited, 7.0);

        var result = Pairing.Pair([six, seven], Rules());

        result.Pairs.Count.ShouldBe(pairs ? 1 : 0);
    }

    [Theory]
    [InlineData(119, false)]
    [InlineData(120, true)] // twice LevelWidenAfter: any level
    public void Pair_WideningAcceptsAnyLevelAfterTwiceTheDelay(int waited, bool pairs)
    {
        var low = Waited(waited, 3.0);
        var high = Waited(waited, 9.0);

        var result = Pairing.Pair([low, high], Rules());

        result.Pairs.Count.ShouldBe(pairs ? 1 : 0);
    }

    [Fact]
    public void Pair_WithoutTheWidenFlagTheBandStaysHalfABandHoweverLongTheWait()
    {
        var six = Waited(3_600, 6.0, widen: false);
        var seven = Waited(3_600, 6.6, widen: false);

        Pairing.Pair([six, seven], Rules()).Pairs.ShouldBeEmpty();
    }

    [Fact]
    public void Pair_AWideTicketPairsOnlyWithinTheBandOfANarrowOne()
    {
        var wide = Waited(500, 6.0);
        var narrow = Waited(500, 7.0, widen: false);

        Pairing.Pair([wide, narrow], Rules()).Pairs.ShouldBeEmpty();
    }

    [Fact]
    public void Pair_WideningPairsTheNearestBandFirst()
    {
        var six = Waited(500, 6.0);
        var sixAndAHalf = Waited(10, 6.5, widen: false);
        var nine = Waited(500, 9.0);

        var result = Pairing.Pair([six, sixAndAHalf, nine], Rules());

        result.Pairs.ShouldBe([new MatchPair(six, sixAndAHalf)]);
        result.Waiting.ShouldBe([nine]);
    }

    [Fact]
    public void Pair_WideningPairsWithinOneBandBeforeAnyLevel()
    {
        var five = Waited(501, 5.0);
        var six = Waited(500, 6.0);
        var nine = Waited(500, 9.0);

        var result = Pairing.Pair([five, nine, six], Rules());

        result.Pairs.ShouldBe([new MatchPair(five, six)]);
        result.Waiting.ShouldBe([nine]);
    }

    [Fact]
    public void Pair_WideningDelayIsARule()
    {
        var six = Waited(30, 6.0);
        var seven = Waited(30, 7.0);

        Pairing.Pair([six, seven], Rules()).Pairs.ShouldBeEmpty();
        Pairing.Pair([six, seven], Rules() with { LevelWidenAfter = TimeSpan.FromSeconds(30) }).Pairs.Count.ShouldBe(1);
        Should.Throw<ArgumentOutOfRangeException>(() => Rules() with { LevelWidenAfter = TimeSpan.FromSeconds(-1) });
    }

    [Fact]
    public void Pair_WithoutRulesNoTicketWidens()
    {
        var six = Waited(3_600, 6.0);
        var nine = Waited(3_600, 9.0);

        Pairing.Pair([six, nine]).Pairs.ShouldBeEmpty();
        Pairing.Pair([six, nine], Rules()).Pairs.Count.ShouldBe(1);
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
