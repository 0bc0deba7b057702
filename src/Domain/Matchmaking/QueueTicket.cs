using Speaking.Domain.Common;

namespace Speaking.Domain.Matchmaking;

/// <summary>One active queue entry: who waits, in which mode, at which level, since when.</summary>
/// <param name="Widen">Level filter only (ignored in roulette): the ticket's band widens with its wait, ±0.5, then ±1.0
/// after <see cref="PairingRules.LevelWidenAfter"/>, then any level after twice that. False keeps ±0.5.</param>
public sealed record QueueTicket(Guid Id, Guid UserId, QueueMode Mode, IeltsBand Level, DateTime JoinedAt, bool Widen = false);

/// <summary>Two tickets that the round pairs; the initiator (user1, who sends the WebRTC offer) joined first.</summary>
public sealed record MatchPair(QueueTicket Initiator, QueueTicket Callee)
{
    public QueueMode Mode => Initiator.Mode;
}

public sealed record PairingResult(IReadOnlyList<MatchPair> Pairs, IReadOnlyList<QueueTicket> Waiting);
