using Speaking.Domain.Common;
using Speaking.Domain.Matchmaking;

namespace Speaking.UnitTests.Domain;

/// <summary>
/// A verbatim copy of <c>Pairing.Pair</c> as it was before blocks, suspensions, recent pairs and widening (commit
/// 6fd7d8a): the oracle of the differential property "without the new inputs nothing changes". Do not edit.
/// </summary>
internal static class PairingReference
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
