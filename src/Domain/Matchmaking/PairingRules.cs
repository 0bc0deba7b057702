using System.Collections.Frozen;

namespace Speaking.Domain.Matchmaking;

/// <summary>
/// What one matchmaking round needs to know besides the tickets, as plain data: the caller reads it (the clock,
/// presence, sessions, suspensions, blocks, recent sessions) and <see cref="Pairing.Pair(IReadOnlyList{QueueTicket}, PairingRules)"/>
/// stays a pure function of it.
/// </summary>
/// <param name="Now">The round's time, on the clock of <see cref="QueueTicket.JoinedAt"/> (UTC); used only to widen level bands.</param>
public sealed record PairingRules(DateTime Now)
{
    /// <summary>Default of <see cref="LevelWidenAfter"/> (<c>LEVEL_WIDEN_AFTER_SECONDS</c> = 60).</summary>
    public static readonly TimeSpan DefaultLevelWidenAfter = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Whether a user may be matched now (connected, not in a session); <c>null</c> = everyone. Called once per ticket.
    /// </summary>
    public Func<Guid, bool>? IsEligible { get; init; }

    /// <summary>Users suspended at <see cref="Now"/> (<c>suspended_until</c> in the future): never paired, they keep waiting.</summary>
    public IReadOnlySet<Guid> Suspended { get; init; } = FrozenSet<Guid>.Empty;

    /// <summary>Blocked pairs, whoever blocked whom: never paired, in either mode. Pairs of users without a ticket are ignored.</summary>
    public IReadOnlyCollection<UserPair> Blocked { get; init; } = [];

    /// <summary>
    /// Pairs who had a session within the last <c>REPEAT_PARTNER_COOLDOWN_MINUTES</c> (the caller applies the window).
    /// Roulette pairs them only as a last resort; the level filter ignores them.
    /// </summary>
    public IReadOnlyCollection<UserPair> RecentPairs { get; init; } = [];

    /// <summary>
    /// How long a <see cref="QueueTicket.Widen"/> ticket waits before its band widens from ±0.5 to ±1.0; after twice this
    /// it accepts any level. Zero widens at once; negative is refused.
    /// </summary>
    public TimeSpan LevelWidenAfter
    {
        get;
        init => field = value >= TimeSpan.Zero
            ? value
            : throw new ArgumentOutOfRangeException(nameof(LevelWidenAfter), value, "The widening delay cannot be negative.");
    } = DefaultLevelWidenAfter;
}
