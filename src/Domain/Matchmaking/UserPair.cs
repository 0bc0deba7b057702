namespace Speaking.Domain.Matchmaking;

/// <summary>Two users, in no particular order: <c>new UserPair(a, b) == new UserPair(b, a)</c>.</summary>
public readonly record struct UserPair
{
    public UserPair(Guid a, Guid b) => (Low, High) = a.CompareTo(b) <= 0 ? (a, b) : (b, a);

    /// <summary>The smaller of the two ids (by <see cref="Guid.CompareTo(Guid)"/>).</summary>
    public Guid Low { get; }

    /// <summary>The larger of the two ids.</summary>
    public Guid High { get; }

    public bool Contains(Guid user) => Low == user || High == user;
}
