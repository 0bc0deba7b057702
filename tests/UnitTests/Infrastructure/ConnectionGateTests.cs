using Speaking.Infrastructure.Realtime;

namespace Speaking.UnitTests.Infrastructure;

/// <summary>Issue 12 item 8: the node and per-address caps; every admission is left exactly once.</summary>
public class ConnectionGateTests
{
    private static ConnectionGate Gate(int node = 100, int perAddress = 100) =>
        new(new ConnectionLimits { MaxConnections = node, MaxSocketsPerAddress = perAddress });

    [Fact]
    public void TryEnter_AdmitsUpToTheNodeCap_ThenRefusesUntilOneLeaves()
    {
        var gate = Gate(node: 3);
        for (var i = 0; i < 3; i++) gate.TryEnter($"10.0.0.{i}").ShouldBe(ConnectionGate.Outcome.Admitted);

        gate.TryEnter("10.0.0.9").ShouldBe(ConnectionGate.Outcome.NodeFull);
        gate.Open.ShouldBe(3);

        gate.Leave("10.0.0.1");
        gate.TryEnter("10.0.0.9").ShouldBe(ConnectionGate.Outcome.Admitted);
    }

    [Fact]
    public void TryEnter_AdmitsUpToTheAddressCap_AndOtherAddressesStillGetIn()
    {
        var gate = Gate(perAddress: 2);
        gate.TryEnter("10.0.0.1").ShouldBe(ConnectionGate.Outcome.Admitted);
        gate.TryEnter("10.0.0.1").ShouldBe(ConnectionGate.Outcome.Admitted);

        gate.TryEnter("10.0.0.1").ShouldBe(ConnectionGate.Outcome.AddressFull);
        gate.TryEnter("10.0.0.2").ShouldBe(ConnectionGate.Outcome.Admitted);
        gate.Open.ShouldBe(3);

        gate.Leave("10.0.0.1");
        gate.TryEnter("10.0.0.1").ShouldBe(ConnectionGate.Outcome.Admitted);
    }

    [Fact]
    public void ARefusal_HoldsNoPlace()
    {
        var gate = Gate(node: 2, perAddress: 1);
        gate.TryEnter("a").ShouldBe(ConnectionGate.Outcome.Admitted);
        for (var i = 0; i < 10; i++) gate.TryEnter("a").ShouldBe(ConnectionGate.Outcome.AddressFull);
        gate.TryEnter("b").ShouldBe(ConnectionGate.Outcome.Admitted);
        for (var i = 0; i < 10; i++) gate.TryEnter("c").ShouldBe(ConnectionGate.Outcome.NodeFull);

        gate.Leave("a");
        gate.Leave("b");

        gate.Open.ShouldBe(0);
        gate.TryEnter("c").ShouldBe(ConnectionGate.Outcome.Admitted);
        gate.TryEnter("a").ShouldBe(ConnectionGate.Outcome.Admitted);
    }

    [Fact]
    public async Task ManyThreadsEnteringAndLeaving_NeverGoNegative_AndLeaveEveryPlaceFree()
    {
        const int perAddress = 3;
        var addresses = new[] { "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4" };
        var gate = Gate(node: 8, perAddress: perAddress);
        var lowest = 0;
        using var done = new CancellationTokenSource();
        var watcher = Task.Run(() =>
        {
            while (!done.IsCancellationRequested) lowest = Math.Min(lowest, gate.Open);
        });

        Parallel.For(0, 40_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var address = addresses[i % addresses.Length];
            if (gate.TryEnter(address) == ConnectionGate.Outcome.Admitted) gate.Leave(address);
        });
        done.Cancel();
        await watcher;

        lowest.ShouldBe(0);
        gate.Open.ShouldBe(0);
        // Every address has its whole allowance again (within the node cap of 8: two addresses' worth and two more).
        foreach (var address in addresses.Take(2))
        {
            for (var i = 0; i < perAddress; i++) gate.TryEnter(address).ShouldBe(ConnectionGate.Outcome.Admitted);
            gate.TryEnter(address).ShouldBe(ConnectionGate.Outcome.AddressFull);
        }

        gate.TryEnter(addresses[2]).ShouldBe(ConnectionGate.Outcome.Admitted);
        gate.TryEnter(addresses[3]).ShouldBe(ConnectionGate.Outcome.Admitted);
        gate.TryEnter(addresses[3]).ShouldBe(ConnectionGate.Outcome.NodeFull);
        gate.Open.ShouldBe(8);
    }

    [Fact]
    public void DefaultMaxConnections_LeavesRoomForEverythingElse() =>
        ConnectionLimits.DefaultMaxConnections().ShouldBeGreaterThanOrEqualTo(64);
}
