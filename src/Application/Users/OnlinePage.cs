using System.Collections;

namespace Speaking.Application.Users;

/// <summary>
/// A page of the online list together with its response body, already written: <see cref="Json"/> holds the UTF-8
/// JSON array, in order, exactly as the HTTP serializer would write <see cref="Users"/> (the directory keeps the
/// page's JSON while the list is current and, for a viewer on the page, splices in that one entry with its email).
/// The dashboard polls this list, so a request then costs a copy instead of serializing 50 users.
/// </summary>
public sealed class OnlinePage(IReadOnlyList<UserView> users, IReadOnlyList<ReadOnlyMemory<byte>> json) : IReadOnlyList<UserView>
{
    public IReadOnlyList<UserView> Users { get; } = users;

    /// <summary>The body in pieces, to be written one after another.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Json { get; } = json;

    public int Count => Users.Count;

    public UserView this[int index] => Users[index];

    public IEnumerator<UserView> GetEnumerator() => Users.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
