using System.Net.WebSockets;
using Microsoft.Extensions.Logging.Abstractions;
using Speaking.Application.Realtime;
using Speaking.Infrastructure.Realtime;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Infrastructure;

public class ConnectionRegistryTests
{
    private readonly ConnectionRegistry _registry = new(new NodeIdentity());
    private readonly Guid _ann = Guid.NewGuid();

    private WebSocketConnection Open(Guid user, ConnectionRef? reference = null)
    {
        var connection = new WebSocketConnection(reference ?? _registry.NextReference(), user, new GatedWebSocket(), NullLogger.Instance);
        _registry.Add(connection);
        return connection;
    }

    [Fact]
    public void NextReference_NamesThisNode_AndNeverRepeats()
    {
        var references = Enumerable.Range(0, 2000).AsParallel().Select(_ => _registry.NextReference()).ToArray();

        references.ShouldAllBe(r => r.Node == _registry.Node);
        references.Distinct().Count().ShouldBe(references.Length);
    }

    [Fact]
    public void NodeIdentity_IsNewForEveryProcessStart() => new NodeIdentity().Id.ShouldNotBe(new NodeIdentity().Id);

    [Fact]
    public void Find_KnowsOnlyThisNodesConnections()
    {
        var connection = Open(_ann);

        _registry.Find(connection.Ref).ShouldBeSameAs(connection);
        _registry.Find(connection.Ref with { Node = "elsewhere" }).ShouldBeNull();
        _registry.Find(connection.Ref with { Number = connection.Ref.Number + 1 }).ShouldBeNull();
    }

    [Fact]
    public void AUsersEntry_LivesExactlyAsLongAsTheirConnections()
    {
        var first = Open(_ann);
        var second = Open(_ann);
        Open(Guid.NewGuid());
        (_registry.Count, _registry.UserCount, _registry.CountFor(_ann)).ShouldBe((3, 2, 2));

        _registry.Remove(first);
        _registry.CountFor(_ann).ShouldBe(1);
        _registry.Remove(second);

        (_registry.Count, _registry.UserCount, _registry.CountFor(_ann)).ShouldBe((1, 1, 0));
    }

    [Fact]
    public void Remove_Twice_CountsTheConnectionOutOnce()
    {
        var first = Open(_ann);
        Open(_ann);

        _registry.Remove(first);
        _registry.Remove(first);

        _registry.CountFor(_ann).ShouldBe(1);
    }

    [Fact]
    public void Remove_OfAnotherInstanceWithTheSameReference_LeavesTheRegisteredOneAlone()
    {
        var registered = Open(_ann);
        var stale = new WebSocketConnection(registered.Ref, _ann, new GatedWebSocket(), NullLogger.Instance);

        _registry.Remove(stale);

        _registry.Find(registered.Ref).ShouldBeSameAs(registered);
        _registry.CountFor(_ann).ShouldBe(1);
    }

    [Fact]
    public void AddAndRemove_FromManyThreads_LeaveNothingBehind()
    {
        var users = Enumerable.Range(0, 4).Select(_ => Guid.NewGuid()).ToArray();

        Parallel.For(0, 4000, i =>
        {
            var connection = Open(users[i % users.Length]);
            _registry.Remove(connection);
        });

        (_registry.Count, _registry.UserCount).ShouldBe((0, 0));
        users.ShouldAllBe(u => _registry.CountFor(u) == 0);
    }

    [Fact]
    public void Of_IsTheBindingOfALocalConnection()
    {
        var connection = Open(_ann);
        var binding = new SessionBinding(Guid.NewGuid(), _ann, Guid.NewGuid(), null);
        connection.Deliver([1], new BindingChange.Bind(binding), null);

        _registry.Of(connection.Ref).ShouldBe(binding);
        _registry.Of(connection.Ref with { Node = "elsewhere" }).ShouldBeNull();
        _registry.Of(_registry.NextReference()).ShouldBeNull();
    }

    [Fact]
    public void Release_EndsTheLocalConnectionsHoldOnThatSession()
    {
        var connection = Open(_ann);
        var binding = new SessionBinding(Guid.NewGuid(), _ann, Guid.NewGuid(), null);
        connection.Deliver([1], new BindingChange.Bind(binding), null);

        _registry.Release(connection.Ref, Guid.NewGuid());
        _registry.Of(connection.Ref).ShouldBe(binding);
        _registry.Release(connection.Ref, binding.SessionId);
        _registry.Of(connection.Ref).ShouldBeNull();
    }

    [Fact]
    public void IsGone_ForALocalConnectionThatIsClosingClosedOrUnknown_NeverForAnotherNodes()
    {
        var open = Open(_ann);
        var closing = Open(_ann);
        closing.RequestClose(WebSocketCloseStatus.NormalClosure, "");
        var aborted = Open(_ann);
        aborted.Abort();

        _registry.IsGone(open.Ref).ShouldBeFalse();
        _registry.IsGone(closing.Ref).ShouldBeTrue();
        _registry.IsGone(aborted.Ref).ShouldBeTrue();
        _registry.IsGone(_registry.NextReference()).ShouldBeTrue();
        _registry.IsGone(new ConnectionRef("elsewhere", 1)).ShouldBeFalse();
    }
}
