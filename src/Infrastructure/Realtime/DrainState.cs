namespace Speaking.Infrastructure.Realtime;

/// <summary>Set when the node begins a graceful stop: readiness answers 503 and new sockets are refused from then on.</summary>
public sealed class DrainState
{
    private int _draining;

    public bool IsDraining => Volatile.Read(ref _draining) == 1;

    public void Begin() => Interlocked.Exchange(ref _draining, 1);
}
