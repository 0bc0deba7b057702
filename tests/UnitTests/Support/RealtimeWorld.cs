using Microsoft.Extensions.Options;
using NSubstitute;
using Speaking.Application.Common;
using Speaking.Application.Practice;
using Speaking.Application.Realtime;
using Speaking.Application.Sessions;
using Speaking.Application.Users;
using Speaking.Domain.Users;

namespace Speaking.UnitTests.Support;

/// <summary>
/// The ports of the realtime core as NSubstitute fakes, and the real application services that sit on them
/// (<see cref="SessionAnnouncer"/>, <see cref="SessionResumption"/>, <see cref="ReconnectDeadlines"/>). Presence
/// answers from <see cref="Connect"/>: a user's connections in the order they opened, the last the newest.
/// Users exist once made with <see cref="Person"/>. Repositories answer their defaults unless a test says otherwise.
/// </summary>
public sealed class RealtimeWorld
{
    private readonly Dictionary<Guid, List<ConnectionRef>> _live = [];
    private readonly List<User> _people = [];

    public RealtimeWorld()
    {
        Users.GetManyAsync(default!, default).ReturnsForAnyArgs(call =>
        {
            var ids = call.Arg<IReadOnlyCollection<Guid>>();
            return _people.Where(p => ids.Contains(p.Id)).ToArray();
        });
        Users.GetAsync(default, default).ReturnsForAnyArgs(call => _people.FirstOrDefault(p => p.Id == call.Arg<Guid>()));

        Presence.NewestAsync(default).ReturnsForAnyArgs(call =>
            _live.TryGetValue(call.Arg<Guid>(), out var list) && list.Count > 0 ? new LiveConnection(list[^1], list.Count) : (LiveConnection?)null);
        Presence.IsLiveAsync(default, default).ReturnsForAnyArgs(call =>
            _live.TryGetValue(call.ArgAt<Guid>(1), out var list) && list.Contains(call.ArgAt<ConnectionRef>(0)));
        Presence.IsOnlineAsync(default).ReturnsForAnyArgs(call => _live.TryGetValue(call.Arg<Guid>(), out var list) && list.Count > 0);
        Presence.OnlineAmongAsync(default!).ReturnsForAnyArgs(call =>
            (IReadOnlySet<Guid>)call.Arg<IReadOnlyCollection<Guid>>().Where(u => _live.TryGetValue(u, out var list) && list.Count > 0).ToHashSet());
        Presence.OnlineUsersAsync().Returns(_ => (IReadOnlyCollection<Guid>)_live.Where(e => e.Value.Count > 0).Select(e => e.Key).ToArray());
    }

    public ISessionRepository Sessions { get; } = Substitute.For<ISessionRepository>();

    public IUserRepository Users { get; } = Substitute.For<IUserRepository>();

    public IPresence Presence { get; } = Substitute.For<IPresence>();

    public ISessionBindings Bindings { get; } = Substitute.For<ISessionBindings>();

    public Deliveries Deliveries { get; } = new();

    public IRealtimeNotifier Notifier => Deliveries.Notifier;

    public IClock Clock { get; set; } = Fakes.ClockAt(Fakes.Now);

    public LogBook Log { get; } = new();

    /// <summary>Card assignment for the announcer (by default over a store that keeps whatever it is asked to store).</summary>
    public PracticeAssignment Practice { get; set; } = Fakes.Practice();

    /// <summary>partner_level for the announcer (by default every user's current_level).</summary>
    public IEffectiveLevel Levels { get; set; } = Fakes.SelfLevels;

    public User Person(string name, double level = 6.0)
    {
        var user = Fakes.User(username: name, email: $"{name}@example.com", level: level);
        _people.Add(user);
        return user;
    }

    /// <summary>Presence lists <paramref name="connection"/> as <paramref name="user"/>'s newest live connection.</summary>
    public ConnectionRef Connect(Guid user, ConnectionRef connection)
    {
        if (!_live.TryGetValue(user, out var list)) _live[user] = list = [];
        list.Add(connection);
        return connection;
    }

    public void Disconnect(Guid user, ConnectionRef connection)
    {
        if (_live.TryGetValue(user, out var list)) list.Remove(connection);
    }

    public SessionAnnouncer Announcer() => new(Users, Notifier, Levels, Practice, Log.For<SessionAnnouncer>());

    /// <summary>Deferred commands are recorded, never run (a test runs one through its handler when it wants to).</summary>
    public IDeferredCommands Deferred { get; } = Substitute.For<IDeferredCommands>();

    /// <summary>A returning callee's head start; 0 (the partner restarts at once) unless a test sets it.</summary>
    public int CalleeResumeHeadStartMs { get; set; }

    public SessionResumption Resumption() => new(Sessions, Users, Notifier, Announcer(), Deferred, Clock,
        Options.Create(new RealtimeOptions { CalleeResumeHeadStartMs = CalleeResumeHeadStartMs }), Log.For<SessionResumption>());

    public ReconnectDeadlines Deadlines() => new(Sessions, Presence, Resumption(), Notifier, Log.For<ReconnectDeadlines>());
}
