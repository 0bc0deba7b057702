using MediatR;

namespace Speaking.Application.Common;

/// <summary>
/// Runs a use case a little later, in a scope of its own, without holding up the one that asked for it. Best effort
/// and in memory: a node that stops before the delay passes drops it, so a deferred command must only ever make
/// things better (its handler re-checks that what it is about to do still applies).
/// </summary>
public interface IDeferredCommands
{
    void Schedule(IRequest<Unit> command, TimeSpan delay);
}
