using Speaking.Domain.Common;

namespace Speaking.Domain.Matchmaking;

/// <summary>
/// The pairing rules of one matchmaking round, as a pure function over plain data.
/// </summary>
/// <remarks>
/// <para>Before pairing, a ticket is set aside (it keeps waiting) when its user may not be matched now
/// (in an active session, or not connected: the caller says which through <c>isEligible</c>), and when its
/// user already has an earlier ticket in this round (a user is never paired with themselves).</para>
/// <para><b>Roulette</b>: tickets in join order are paired 1st with 2nd, 3rd with 4th, and so on.</para>
/// <para><b>Level filter</b>: tickets are sorted by level, then by join time (earliest first), then by id, and
/// neighbours in that order are paired when their levels differ by at most 0.5; otherwise the lower ticket waits.
/// Neighbours in level order are each other's nearest levels, and among equal levels the longest-waiting go
/// first. The sweep is a maximum matching for this tolerance: a ticket left waiting differs by more than 0.5
/// from every ticket above it, so no two waiting tickets could have been paired with each other.</para>
/// <para>In every pair the ticket that joined first is the initiator. The two modes never pair across.
/// Cost: O(n log n) for n tickets.</para>
/// </remarks>
public static class Pairing
{
    public static PairingResult Pair(IEnumerable<QueueTicket> tickets, Func<Guid, bool>? isEligible = null)
    {
        var pairs = new List<MatchPair>();
        var waiting = new List<QueueTicket>();
        var seenUsers = new HashSet<Guid>();
        var roulette = new List<QueueTicket>();
        var levelFilter = new List<QueueTicket>();

        foreach (var ticket in tickets.OrderBy(t => t.JoinedAt).ThenBy(t => t.Id))
        {
            if ((isEligible is not null && !isEligible(ticket.UserId)) || !seenUsers.Add(ticket.UserId))
            {
                waiting.Add(ticket);
                continue;
            }

            (ticket.Mode == QueueMode.Roulette ? roulette : levelFilter).Add(ticket);
        }

        PairNeighbours(roulette, pairs, waiting, static (_, _) => true);

        levelFilter.Sort(static (a, b) =>
        {
            var byLevel = a.Level.Value.CompareTo(b.Level.Value);
            if (byLevel != 0) return byLevel;
            var byWait = a.JoinedAt.CompareTo(b.JoinedAt);
            return byWait != 0 ? byWait : a.Id.CompareTo(b.Id);
        });
        PairNeighbours(levelFilter, pairs, waiting, static (a, b) => a.Level.IsWithinHalfBandOf(b.Level));

        return new PairingResult(pairs, waiting);
    }

    private static void PairNeighbours(List<QueueTicket> ordered, List<MatchPair> pairs, List<QueueTicket> waiting,
        Func<QueueTicket, QueueTicket, bool> compatible)
    {
        var i = 0;
        while (i < ordered.Count)
        {
            if (i + 1 < ordered.Count && compatible(ordered[i], ordered[i + 1]))
            {
                pairs.Add(Order(ordered[i], ordered[i + 1]));
                i += 2;
            }
            else
            {
                waiting.Add(ordered[i]);
                i += 1;
            }
        }
    }

    private static MatchPair Order(QueueTicket a, QueueTicket b)
    {
        var aFirst = a.JoinedAt < b.JoinedAt || (a.JoinedAt == b.JoinedAt && a.Id.CompareTo(b.Id) < 0);
        return aFirst ? new MatchPair(a, b) : new MatchPair(b, a);
    }
}
