using NSubstitute;
using Speaking.Application.Realtime;

namespace Speaking.UnitTests.Support;

/// <summary>One message a fake notifier was asked to deliver: to a connection (with its binding change) or to a user's newest connection.</summary>
public sealed record Delivery(ConnectionRef? Connection, Guid? User, ServerMessage Message, BindingChange? Change = null, Guid? OnlyInSession = null);

/// <summary>
/// An NSubstitute <see cref="IRealtimeNotifier"/> that records every delivery in order. Deliveries succeed, except to
/// connections in <see cref="Gone"/> and users in <see cref="Unreachable"/>.
/// </summary>
public sealed class Deliveries
{
    private readonly List<Delivery> _sent = [];

    public Deliveries()
    {
        Notifier.SendToConnectionAsync(default, default!, default, default).ReturnsForAnyArgs(call =>
        {
            var connection = call.ArgAt<ConnectionRef>(0);
            Record(new Delivery(connection, null, call.ArgAt<ServerMessage>(1), call.ArgAt<BindingChange?>(2), call.ArgAt<Guid?>(3)));
            return ValueTask.FromResult(!Gone.Contains(connection));
        });
        Notifier.SendToUserAsync(default, default!).ReturnsForAnyArgs(call =>
        {
            var user = call.ArgAt<Guid>(0);
            Record(new Delivery(null, user, call.ArgAt<ServerMessage>(1)));
            return ValueTask.FromResult(!Unreachable.Contains(user));
        });
    }

    public IRealtimeNotifier Notifier { get; } = Substitute.For<IRealtimeNotifier>();

    public HashSet<ConnectionRef> Gone { get; } = [];

    public HashSet<Guid> Unreachable { get; } = [];

    public IReadOnlyList<Delivery> Sent
    {
        get { lock (_sent) return _sent.ToArray(); }
    }

    public IReadOnlyList<Delivery> To(ConnectionRef connection) => Sent.Where(d => d.Connection == connection).ToArray();

    public void Clear()
    {
        lock (_sent) _sent.Clear();
    }

    private void Record(Delivery delivery)
    {
        lock (_sent) _sent.Add(delivery);
    }
}
