using System.Text;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using NSubstitute;
using Speaking.Application.Realtime;
using Speaking.Infrastructure.Observability;
using Speaking.Infrastructure.Realtime;

namespace Speaking.UnitTests.Support;

/// <summary>
/// A real <see cref="MessageDispatcher"/> whose scopes hold an NSubstitute mediator: every command it sends is recorded
/// in <see cref="Commands"/> and answered by <see cref="Handle"/> (an exception it throws fails the handler's task). Counts the scopes it opens, logs into
/// <see cref="Log"/> and counts into a real <see cref="SpeakingMetrics"/>.
/// </summary>
public sealed class DispatcherRig
{
    private readonly List<IRequest<SocketReply>> _commands = [];
    private readonly CountingScopes _scopes;

    public DispatcherRig()
    {
        Mediator.Send(Arg.Any<IRequest<SocketReply>>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            var command = call.Arg<IRequest<SocketReply>>();
            lock (_commands) _commands.Add(command);
            try
            {
                return Task.FromResult(Handle(command));
            }
            catch (Exception e)
            {
                return Task.FromException<SocketReply>(e);
            }
        });
        _scopes = new CountingScopes(new ServiceCollection().AddScoped(_ => Mediator).BuildServiceProvider()
            .GetRequiredService<IServiceScopeFactory>());
        Dispatcher = new MessageDispatcher(_scopes, Metrics, Log.For<MessageDispatcher>());
    }

    public Guid User { get; } = Guid.NewGuid();

    public ConnectionRef Connection { get; } = Fakes.Connection(7);

    public IMediator Mediator { get; } = Substitute.For<IMediator>();

    /// <summary>What "the use case" answers (by default a recognisable <c>queue_left</c>).</summary>
    public Func<IRequest<SocketReply>, SocketReply> Handle { get; set; } = _ => FromHandler;

    public static readonly SocketReply FromHandler = SocketReply.Of(new QueueLeftMessage());

    public SpeakingMetrics Metrics { get; } = new();

    public LogBook Log { get; } = new();

    public MessageDispatcher Dispatcher { get; }

    public IReadOnlyList<IRequest<SocketReply>> Commands
    {
        get { lock (_commands) return _commands.ToArray(); }
    }

    /// <summary>How many DI scopes the dispatcher opened.</summary>
    public int ScopesOpened => _scopes.Created;

    public T SentCommand<T>() => Commands.ShouldHaveSingleItem().ShouldBeOfType<T>();

    public Task<SocketReply> Dispatch(string json, CancellationToken ct = default) => Dispatch(Encoding.UTF8.GetBytes(json), ct);

    public Task<SocketReply> Dispatch(byte[] utf8, CancellationToken ct = default) => Dispatcher.DispatchAsync(User, Connection, utf8, ct);

    public double Refused(string reason) => Metrics.RefusedMessages.WithLabels(reason).Value;

    public double Relayed(string type) => Metrics.RelayedMessages.WithLabels(type).Value;

    private sealed class CountingScopes(IServiceScopeFactory inner) : IServiceScopeFactory
    {
        private int _created;

        public int Created => Volatile.Read(ref _created);

        public IServiceScope CreateScope()
        {
            Interlocked.Increment(ref _created);
            return inner.CreateScope();
        }
    }
}
