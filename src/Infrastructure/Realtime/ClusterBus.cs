using Speaking.Application.Realtime;

namespace Speaking.Infrastructure.Realtime;

/// <summary>A message for a connection held by another node, with what its node applies before delivering it.</summary>
public sealed record Envelope(ConnectionRef Target, byte[] Frame, BindingChange? Change, Guid? OnlyInSession);

/// <summary>Carries envelopes between nodes. With one node there is nobody else: a connection of another node is gone.</summary>
public interface IClusterBus
{
    /// <summary>Sends the envelope to the node that holds its target; false when that node does not answer.</summary>
    ValueTask<bool> SendAsync(Envelope envelope);
}

/// <summary>One node, no bus: references to other nodes are connections of an earlier run of this process, long gone.</summary>
public sealed class SingleNodeBus : IClusterBus
{
    public ValueTask<bool> SendAsync(Envelope envelope) => ValueTask.FromResult(false);
}
