using Speaking.Infrastructure.Realtime;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Infrastructure;

public class InMemoryPresenceTests
{
    private readonly InMemoryPresence _presence = new();
    private readonly Guid _ann = Guid.NewGuid();
    private readonly Guid _bob = Guid.NewGuid();

    [Fact]
    public async Task Register_GivesEachConnectionALaterPlace_AndCountsTheUsersConnections()
    {
        var first = await _presence.RegisterAsync(Fakes.Connection(1), _ann);
        var other = await _presence.RegisterAsync(Fakes.Connection(2), _bob);
        var second = await _presence.RegisterAsync(Fakes.Connection(3), _ann);

        first.UserConnections.ShouldBe(1);
        other.UserConnections.ShouldBe(1);
        second.UserConnections.ShouldBe(2);
        first.Order.ShouldBeLessThan(other.Order);
        other.Order.ShouldBeLessThan(second.Order);
    }

    [Fact]
    public async Task Newest_IsTheMostRecentlyOpened_ThenTheOneBeforeWhenItCloses()
    {
        await _presence.RegisterAsync(Fakes.Connection(1), _ann);
        await _presence.RegisterAsync(Fakes.Connection(2), _ann);

        (await _presence.NewestAsync(_ann))!.Value.Connection.ShouldBe(Fakes.Connection(2));
        await _presence.UnregisterAsync(Fakes.Connection(2), _ann);
        (await _presence.NewestAsync(_ann))!.Value.Connection.ShouldBe(Fakes.Connection(1));
        await _presence.UnregisterAsync(Fakes.Connection(1), _ann);
        (await _presence.NewestAsync(_ann)).ShouldBeNull();
    }

    [Fact]
    public async Task Unregister_IsTrueOnlyForTheUsersLastConnection()
    {
        await _presence.RegisterAsync(Fakes.Connection(1), _ann);
        await _presence.RegisterAsync(Fakes.Connection(2), _ann);

        (await _presence.UnregisterAsync(Fakes.Connection(1), _ann)).ShouldBeFalse();
        (await _presence.IsOnlineAsync(_ann)).ShouldBeTrue();
        (await _presence.UnregisterAsync(Fakes.Connection(2), _ann)).ShouldBeTrue();
        (await _presence.IsOnlineAsync(_ann)).ShouldBeFalse();
    }

    [Fact]
    public async Task Unregister_OfAConnectionItDoesNotKnow_ChangesNothing()
    {
        await _presence.RegisterAsync(Fakes.Connection(1), _ann);

        (await _presence.UnregisterAsync(Fakes.Connection(9), _ann)).ShouldBeFalse();
        (await _presence.UnregisterAsync(Fakes.Connection(1), _bob)).ShouldBeFalse();
        (await _presence.UnregisterAsync(Fakes.Connection(1), Guid.NewGuid())).ShouldBeFalse();

        (await _presence.IsLiveAsync(Fakes.Connection(1), _ann)).ShouldBeTrue();
    }

    [Fact]
    public async Task IsLive_IsAboutThatUsersConnection()
    {
        await _presence.RegisterAsync(Fakes.Connection(1), _ann);

        (await _presence.IsLiveAsync(Fakes.Connection(1), _ann)).ShouldBeTrue();
        (await _presence.IsLiveAsync(Fakes.Connection(1), _bob)).ShouldBeFalse();
        (await _presence.IsLiveAsync(Fakes.Connection(1, node: "b"), _ann)).ShouldBeFalse();
    }

    [Fact]
    public async Task OnlineAmongAndOnlineUsers_ListThoseWithALiveConnection()
    {
        await _presence.RegisterAsync(Fakes.Connection(1), _ann);
        await _presence.RegisterAsync(Fakes.Connection(2), _bob);
        await _presence.UnregisterAsync(Fakes.Connection(2), _bob);
        var stranger = Guid.NewGuid();

        (await _presence.OnlineAmongAsync([_ann, _bob, stranger])).ShouldBe(new HashSet<Guid> { _ann });
        (await _presence.OnlineUsersAsync()).ShouldBe([_ann]);
    }

    [Fact]
    public async Task RegisterAndUnregister_FromManyThreads_LeaveNobodyOnline()
    {
        await Parallel.ForAsync(0, 2000, async (i, _) =>
        {
            var user = i % 2 == 0 ? _ann : _bob;
            await _presence.RegisterAsync(Fakes.Connection(i), user);
            await _presence.UnregisterAsync(Fakes.Connection(i), user);
        });

        (await _presence.OnlineUsersAsync()).ShouldBeEmpty();
    }
}
