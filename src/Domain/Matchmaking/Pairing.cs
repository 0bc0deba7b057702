using System.Buffers;
using System.Numerics;
using Speaking.Domain.Common;

namespace Speaking.Domain.Matchmaking;

/// <summary>
/// The pairing rules of one matchmaking round, as a pure function over plain data (no clock, no I/O, no randomness:
/// the same tickets and rules always give the same result, whatever the order of the tickets).
/// </summary>
/// <remarks>
/// <para><b>Set aside</b> (the ticket keeps waiting): a user the caller reports not eligible
/// (<see cref="PairingRules.IsEligible"/>: in a session, not connected), a suspended user
/// (<see cref="PairingRules.Suspended"/>), and any later ticket of a user who already has one in this round. Tickets
/// are taken in join order: by <see cref="QueueTicket.JoinedAt"/>, then by <see cref="QueueTicket.Id"/>.</para>
/// <para><b>Never paired</b> (hard rules): a user with themselves, a blocked pair (<see cref="PairingRules.Blocked"/>,
/// whoever blocked whom), tickets of different modes, and level-filter tickets further apart than their bands allow.</para>
/// <para><b>Roulette</b>: in join order, each waiting ticket pairs with the next later ticket it may pair with, skipping
/// a blocked partner and a recent partner (<see cref="PairingRules.RecentPairs"/>): 1st with 2nd, 3rd with 4th, ...
/// when nothing is skipped. A recent pair is a last resort: after that pass, the tickets left over pair the same way
/// allowing recent partners (never blocked ones). So two recent partners are paired only when neither of them could be
/// paired with any ticket that is still unpaired at the end of the round: a queue of exactly those two pairs them;
/// with a third ticket that either of them may pair with, they are not paired with each other.</para>
/// <para><b>Level filter</b>: a ticket's band is ±0.5. With <see cref="QueueTicket.Widen"/> it grows with the ticket's
/// wait: ±1.0 once it has waited <see cref="PairingRules.LevelWidenAfter"/>, any level once it has waited twice that.
/// Two tickets may pair when their levels are within the band of <b>both</b> (a narrow ticket is never paired further
/// away than it asked for). Nearest bands pair first, in up to three sweeps: every ticket within ±0.5, then the
/// leftovers whose bands are at least ±1.0 within ±1.0, then the leftovers that accept any level. Each sweep takes its
/// tickets sorted by level, then by join order (longest waiting first among equal levels), and pairs each one with the
/// nearest ticket above it that it may pair with (skipping blocked partners); a ticket with none keeps waiting.
/// Recent pairs do not matter here: the level a user asked for comes first (issue 17 names roulette).
/// Without <c>Widen</c> tickets (or before any has waited <c>LevelWidenAfter</c>) and without blocks this is exactly the
/// earlier rule, one sweep within ±0.5, which is a maximum matching for that band.</para>
/// <para><b>Maximal</b>: after a round no two unpaired tickets of participating users remain that these rules would
/// allow to pair (counting a recent pair as allowed). The sweeps are greedy, so with blocks or mixed bands a different
/// choice could occasionally have made one more pair; the tickets left over try again next round.</para>
/// <para>In every pair the ticket that joined first is the initiator. Cost: O(n log n + b + r) for n tickets, b blocked
/// and r recent pairs among them.</para>
/// </remarks>
public static class Pairing
{
    /// <summary>±1.0 with the margin of <see cref="IeltsBand.CompatibleDistance"/> against floating-point noise.</summary>
    private const double WideDistance = 1.0 + (IeltsBand.CompatibleDistance - IeltsBand.Tolerance);

    private const byte HalfBand = 0, WholeBand = 1, AnyLevel = 2;

    /// <summary>
    /// One round with eligibility only: no blocks, no suspensions, no recent pairs and no clock, so no ticket widens.
    /// </summary>
    public static PairingResult Pair(IEnumerable<QueueTicket> tickets, Func<Guid, bool>? isEligible = null) =>
        Pair(tickets as IReadOnlyList<QueueTicket> ?? tickets.ToArray(), new PairingRules(DateTime.MinValue) { IsEligible = isEligible });

    /// <summary>One round under <paramref name="rules"/> (see the remarks of <see cref="Pairing"/>).</summary>
    public static PairingResult Pair(IReadOnlyList<QueueTicket> tickets, PairingRules rules)
    {
        ArgumentNullException.ThrowIfNull(tickets);
        ArgumentNullException.ThrowIfNull(rules);

        using var round = new Round(tickets);
        var waiting = new List<QueueTicket>();

        // Participants: each eligible user's first ticket, numbered in join order (a smaller number joined earlier).
        var people = round.People;
        var roulette = round.Roulette;
        var levelFilter = round.LevelFilter;
        var suspended = rules.Suspended.Count == 0 ? null : rules.Suspended;
        var isEligible = rules.IsEligible;
        int count = 0, rouletteCount = 0, levelCount = 0;
        foreach (ref readonly var ticket in round.InJoinOrder())
        {
            if (suspended?.Contains(ticket.User) == true || isEligible?.Invoke(ticket.User) == false
                || !round.Users.TryAdd(ticket.User, count))
            {
                waiting.Add(round.Tickets[ticket.Index]);
                continue;
            }

            people[count] = round.Tickets[ticket.Index];
            if (ticket.Roulette)
            {
                roulette[rouletteCount++] = count;
            }
            else
            {
                round.LevelOf[count] = ticket.Level;
                round.BandOf[count] = BandOf(ticket, rules);
                levelFilter[levelCount++] = count;
            }

            count++;
        }

        round.Blocked = IndexPairs(rules.Blocked, round.Users);
        var recent = IndexPairs(rules.RecentPairs, round.Users);

        // Roulette: join order, recent partners skipped; then the leftovers with recent partners allowed.
        var inJoinOrder = roulette.AsSpan(0, rouletteCount);
        var left = round.Sweep(inJoinOrder, levels: false, double.PositiveInfinity, recent);
        if (recent is not null && left > 1)
            left = round.Sweep(inJoinOrder[..left], levels: false, double.PositiveInfinity, null);
        foreach (var number in inJoinOrder[..left]) waiting.Add(people[number]);

        // Level filter: by level, then join order; ±0.5 for everyone, then the widened bands.
        var byLevel = levelFilter.AsSpan(0, levelCount);
        round.SortByLevel(byLevel);
        left = round.Sweep(byLevel, levels: true, IeltsBand.CompatibleDistance, null);
        left = PairWidened(round, byLevel[..left]);
        foreach (var number in byLevel[..left]) waiting.Add(people[number]);

        return new PairingResult(round.Pairs, waiting);
    }

    private static byte BandOf(in TicketFacts ticket, PairingRules rules)
    {
        if (!ticket.Widen) return HalfBand;
        var after = rules.LevelWidenAfter.Ticks;
        var waited = Math.Max(0, rules.Now.Ticks - ticket.JoinedAt);
        if (waited < after) return HalfBand;
        return waited - after < after ? WholeBand : AnyLevel;
    }

    /// <summary>
    /// The ±1.0 and any-level sweeps over the tickets left by the ±0.5 sweep (in level order). Compacts the tickets still
    /// waiting, in level order, to the front of <paramref name="leftovers"/> and returns their count.
    /// </summary>
    private static int PairWidened(Round round, Span<int> leftovers)
    {
        var candidates = round.Candidates.AsSpan(0, leftovers.Length);
        var wide = 0;
        foreach (var number in leftovers)
            if (round.BandOf[number] != HalfBand) candidates[wide++] = number;
        if (wide < 2) return leftovers.Length;

        var left = round.Sweep(candidates[..wide], levels: true, WideDistance, null);
        var any = 0;
        foreach (var number in candidates[..left])
            if (round.BandOf[number] == AnyLevel) candidates[any++] = number;
        if (any > 1) round.Sweep(candidates[..any], levels: true, double.PositiveInfinity, null);

        left = 0;
        foreach (var number in leftovers)
            if (!round.Taken[number]) leftovers[left++] = number;
        return left;
    }

    /// <summary>The blocked or recent pairs among participants, by participant number; null when there are none.</summary>
    private static HashSet<NumberPair>? IndexPairs(IReadOnlyCollection<UserPair> pairs, UserIndex users)
    {
        if (pairs.Count == 0) return null;
        HashSet<NumberPair>? index = null;
        foreach (var pair in pairs)
        {
            var a = users.Find(pair.Low);
            var b = a < 0 ? -1 : users.Find(pair.High);
            if (b >= 0 && a != b) (index ??= []).Add(new NumberPair(a, b));
        }

        return index;
    }

    /// <summary>What the round reads of a ticket, copied out in one pass; <see cref="Index"/> is its place in the caller's list.</summary>
    private struct TicketFacts
    {
        public Guid User;
        public Guid Id;
        public long JoinedAt;
        public double Level;
        public int Index;
        public bool Roulette;
        public bool Widen;
    }

    /// <summary>Two participant numbers, in either order, as a set key.</summary>
    private readonly struct NumberPair : IEquatable<NumberPair>
    {
        private readonly ulong _packed;

        public NumberPair(int a, int b) => _packed = a < b ? ((ulong)(uint)a << 32) | (uint)b : ((ulong)(uint)b << 32) | (uint)a;

        public bool Equals(NumberPair other) => _packed == other._packed;

        public override bool Equals(object? obj) => obj is NumberPair other && Equals(other);

        /// <summary>
        /// Fibonacci hashing: <c>long.GetHashCode</c> (low ^ high) gives neighbours in join order (n, n + 1), the usual
        /// recent pair, only a handful of distinct hashes, and the set degenerates into long collision chains.
        /// </summary>
        public override int GetHashCode() => (int)((_packed * 0x9E3779B97F4A7C15UL) >> 32);
    }

    /// <summary>
    /// User id to participant number, by open addressing over pooled arrays (a <see cref="Dictionary{TKey,TValue}"/> of
    /// 100,000 users puts 3 MB on the large-object heap every round). A slot holds the id's hash and the number (8 bytes,
    /// so the table of a large round stays small enough for the cache); the id itself is kept by number.
    /// </summary>
    private sealed class UserIndex : IDisposable
    {
        private readonly Slot[] _slots;
        private readonly Guid[] _users;
        private readonly int _mask;

        public UserIndex(int capacity)
        {
            var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, capacity * 2));
            _slots = ArrayPool<Slot>.Shared.Rent(size);
            Array.Clear(_slots, 0, size);
            _users = ArrayPool<Guid>.Shared.Rent(capacity);
            _mask = size - 1;
        }

        /// <summary>Adds the user with the next participant number; false (and no change) when the user is already there.</summary>
        public bool TryAdd(Guid user, int number)
        {
            var hash = user.GetHashCode();
            var slot = hash & _mask;
            while (_slots[slot].NumberPlusOne != 0)
            {
                if (_slots[slot].Hash == hash && _users[_slots[slot].NumberPlusOne - 1] == user) return false;
                slot = (slot + 1) & _mask;
            }

            _slots[slot] = new Slot { Hash = hash, NumberPlusOne = number + 1 };
            _users[number] = user;
            return true;
        }

        /// <summary>The user's participant number, or -1.</summary>
        public int Find(Guid user)
        {
            var hash = user.GetHashCode();
            var slot = hash & _mask;
            while (_slots[slot].NumberPlusOne != 0)
            {
                if (_slots[slot].Hash == hash && _users[_slots[slot].NumberPlusOne - 1] == user) return _slots[slot].NumberPlusOne - 1;
                slot = (slot + 1) & _mask;
            }

            return -1;
        }

        public void Dispose()
        {
            ArrayPool<Slot>.Shared.Return(_slots);
            ArrayPool<Guid>.Shared.Return(_users);
        }

        private struct Slot
        {
            public int Hash;
            public int NumberPlusOne; // 0 = empty
        }
    }

    /// <summary>
    /// The working state of one round. Its arrays are rented from <see cref="ArrayPool{T}.Shared"/> and returned at the
    /// end: arrays of 100,000 entries live on the large-object heap, and allocating them afresh every round cost more in
    /// garbage collection than the pairing itself. The tickets are read once, in the caller's order, into a dense
    /// array of <see cref="TicketFacts"/>; after that the round never reads the 100,000 scattered ticket objects again.
    /// </summary>
    private sealed class Round : IDisposable
    {
        private readonly int _count;
        private readonly bool _rentedTickets;
        private readonly TicketFacts[] _facts;
        private readonly long[] _times;
        private readonly double[] _sortLevels;
        private readonly int[] _next;

        public Round(IReadOnlyList<QueueTicket> tickets)
        {
            _count = tickets.Count;
            _facts = Rent<TicketFacts>();
            _times = Rent<long>();
            _sortLevels = Rent<double>();
            _next = Rent<int>();
            People = Rent<QueueTicket>();
            Roulette = Rent<int>();
            LevelFilter = Rent<int>();
            Candidates = Rent<int>();
            LevelOf = Rent<double>();
            BandOf = Rent<byte>();
            Taken = Rent<bool>();
            Array.Clear(Taken, 0, _count);
            Users = new UserIndex(_count);
            Pairs = new List<MatchPair>(_count / 2);

            if (tickets is QueueTicket[] array)
            {
                Tickets = array;
            }
            else
            {
                Tickets = Rent<QueueTicket>();
                _rentedTickets = true;
                for (var i = 0; i < _count; i++) Tickets[i] = tickets[i];
            }

            Read(Tickets.AsSpan(0, _count));
        }

        /// <summary>The caller's tickets, as an array (theirs, or a pooled copy).</summary>
        public QueueTicket[] Tickets { get; }

        /// <summary>Participants by number (join order).</summary>
        public QueueTicket[] People { get; }

        public UserIndex Users { get; }

        /// <summary>Numbers of roulette participants, in join order.</summary>
        public int[] Roulette { get; }

        /// <summary>Numbers of level-filter participants.</summary>
        public int[] LevelFilter { get; }

        /// <summary>Scratch for the widened sweeps.</summary>
        public int[] Candidates { get; }

        /// <summary>Level of each level-filter participant, by number.</summary>
        public double[] LevelOf { get; }

        /// <summary>Band of each level-filter participant at this round's time, by number.</summary>
        public byte[] BandOf { get; }

        /// <summary>Participants already paired in this round, by number.</summary>
        public bool[] Taken { get; }

        /// <summary>Blocked pairs of participant numbers; null when none.</summary>
        public HashSet<NumberPair>? Blocked { get; set; }

        public List<MatchPair> Pairs { get; }

        private T[] Rent<T>() => ArrayPool<T>.Shared.Rent(_count);

        private void Read(ReadOnlySpan<QueueTicket> tickets)
        {
            for (var i = 0; i < tickets.Length; i++)
            {
                var ticket = tickets[i];
                _times[i] = ticket.JoinedAt.Ticks;
                _facts[i] = new TicketFacts
                {
                    User = ticket.UserId,
                    Id = ticket.Id,
                    JoinedAt = ticket.JoinedAt.Ticks,
                    Level = ticket.Level.Value,
                    Index = i,
                    Roulette = ticket.Mode == QueueMode.Roulette,
                    Widen = ticket.Widen,
                };
            }
        }

        /// <summary>
        /// The tickets' facts in join order: by join time, then by ticket id. The facts move with their sort keys, so the
        /// round then reads them in order instead of gathering them from 100,000 places.
        /// </summary>
        public ReadOnlySpan<TicketFacts> InJoinOrder()
        {
            var times = _times.AsSpan(0, _count);
            var facts = _facts.AsSpan(0, _count);
            times.Sort(facts); // primitive keys: the runtime's fast path
            for (var start = 0; start < facts.Length;)
            {
                var end = start + 1;
                while (end < facts.Length && times[end] == times[start]) end++;
                if (end - start > 1) SortById(facts[start..end]);
                start = end;
            }

            return facts;
        }

        /// <summary>Tickets that joined at the same time, by id: insertion sort for the usual few, the library sort beyond.</summary>
        private static void SortById(Span<TicketFacts> tied)
        {
            if (tied.Length > 16)
            {
                tied.Sort(static (x, y) => x.Id.CompareTo(y.Id));
                return;
            }

            for (var i = 1; i < tied.Length; i++)
            {
                var item = tied[i];
                var j = i - 1;
                for (; j >= 0 && tied[j].Id.CompareTo(item.Id) > 0; j--) tied[j + 1] = tied[j];
                tied[j + 1] = item;
            }
        }

        /// <summary>Sorts participant numbers by level, then by number (join order).</summary>
        public void SortByLevel(Span<int> numbers)
        {
            var levels = _sortLevels.AsSpan(0, numbers.Length);
            for (var i = 0; i < numbers.Length; i++) levels[i] = LevelOf[numbers[i]];
            levels.Sort(numbers);
            for (var start = 0; start < numbers.Length;)
            {
                var end = start + 1;
                while (end < numbers.Length && levels[end] == levels[start]) end++;
                if (end - start > 1) numbers[start..end].Sort();
                start = end;
            }
        }

        /// <summary>
        /// One greedy pass over <paramref name="sequence"/> (participant numbers, in join order for roulette, in level order
        /// for the level filter): each ticket not yet taken pairs with the first later ticket not yet taken that is not
        /// blocked, not in <paramref name="avoided"/> and, with <paramref name="levels"/>, at most <paramref name="reach"/>
        /// above it. Compacts the tickets left waiting, in order, to the front of the sequence and returns their count.
        /// </summary>
        /// <remarks>
        /// The tickets not yet taken form a linked list whose head is always the ticket being placed (every earlier one is
        /// placed), so a scan only steps over blocked or avoided partners: O(k + b + r) for k tickets.
        /// Maximal: if two tickets x before y both stay waiting, y was not yet taken when x was placed, so x's scan
        /// reached y (or stopped beyond reach) and rejected it: they may not pair in this pass.
        /// </remarks>
        public int Sweep(Span<int> sequence, bool levels, double reach, HashSet<NumberPair>? avoided)
        {
            var next = _next.AsSpan(0, sequence.Length);
            for (var i = 0; i < next.Length; i++) next[i] = i + 1;

            var head = 0;
            var left = 0;
            while (head < sequence.Length)
            {
                var position = head;
                head = next[position];
                var a = sequence[position];
                var previous = -1;
                var partner = -1;
                for (var j = head; j < sequence.Length; j = next[j])
                {
                    var b = sequence[j];
                    if (levels && LevelOf[b] - LevelOf[a] > reach) break;
                    if ((Blocked is null || !Blocked.Contains(new NumberPair(a, b))) && (avoided is null || !avoided.Contains(new NumberPair(a, b))))
                    {
                        partner = b;
                        if (previous < 0) head = next[j];
                        else next[previous] = next[j];
                        break;
                    }

                    previous = j;
                }

                if (partner < 0)
                {
                    sequence[left++] = a; // left <= position: only places already passed are overwritten
                }
                else
                {
                    Taken[a] = Taken[partner] = true;
                    Pairs.Add(a < partner ? new MatchPair(People[a], People[partner]) : new MatchPair(People[partner], People[a]));
                }
            }

            return left;
        }

        public void Dispose()
        {
            if (_rentedTickets) ArrayPool<QueueTicket>.Shared.Return(Tickets, clearArray: true);
            ArrayPool<TicketFacts>.Shared.Return(_facts);
            ArrayPool<long>.Shared.Return(_times);
            ArrayPool<double>.Shared.Return(_sortLevels);
            ArrayPool<int>.Shared.Return(_next);
            ArrayPool<QueueTicket>.Shared.Return(People, clearArray: true);
            ArrayPool<int>.Shared.Return(Roulette);
            ArrayPool<int>.Shared.Return(LevelFilter);
            ArrayPool<int>.Shared.Return(Candidates);
            ArrayPool<double>.Shared.Return(LevelOf);
            ArrayPool<byte>.Shared.Return(BandOf);
            ArrayPool<bool>.Shared.Return(Taken);
            Users.Dispose();
        }
    }
}
