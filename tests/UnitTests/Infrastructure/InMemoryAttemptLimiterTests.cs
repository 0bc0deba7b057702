using Microsoft.Extensions.Time.Testing;
using Speaking.Application.Common;
using Speaking.Infrastructure.Limits;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Infrastructure;

/// <summary>The one-node shared counter: check and take in one step, releases, the sliding window, many threads at once.</summary>
public class InMemoryAttemptLimiterTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(60);
    private readonly FakeTimeProvider _time = new(Fakes.Now);
    private readonly InMemoryAttemptLimiter _limiter;

    public InMemoryAttemptLimiterTests() => _limiter = new InMemoryAttemptLimiter(_time);

    private Task<AttemptReservation?> Reserve(string key = "k", int limit = 3) => _limiter.TryReserveAsync(key, limit, Window);

    [Fact]
    public async Task TryReserve_TakesUpToTheLimit_ThenRefuses_PerKey()
    {
        for (var i = 0; i < 3; i++) (await Reserve()).ShouldNotBeNull();

        (await Reserve()).ShouldBeNull();
        (await Reserve("other")).ShouldNotBeNull();
        _limiter.HeldCount("k").ShouldBe(3);
    }

    [Fact]
    public async Task Release_GivesOneAttemptBack_AndOnlyThatOne()
    {
        var first = (await Reserve())!;
        await Reserve();
        await Reserve();

        await _limiter.ReleaseAsync(first);
        await _limiter.ReleaseAsync(first);
        await _limiter.ReleaseAsync(new AttemptReservation("k", "not-an-id"));
        await _limiter.ReleaseAsync(new AttemptReservation("never-used", "1"));

        _limiter.HeldCount("k").ShouldBe(2);
        (await Reserve()).ShouldNotBeNull();
        (await Reserve()).ShouldBeNull();
    }

    [Fact]
    public async Task AKeptAttempt_CountsUntilItsWindowHasPassed()
    {
        await Reserve();
        _time.Advance(TimeSpan.FromSeconds(30));
        await Reserve();
        await Reserve();
        (await Reserve()).ShouldBeNull();

        _time.Advance(TimeSpan.FromSeconds(30)); // the first is exactly one window old: it no longer counts
        (await Reserve()).ShouldNotBeNull();
        (await Reserve()).ShouldBeNull();

        _time.Advance(TimeSpan.FromSeconds(30));
        _limiter.HeldCount("k").ShouldBe(1);
    }

    [Fact]
    public async Task AKeyDroppedByTheSweep_CountsAfresh()
    {
        await Reserve("a");
        _time.Advance(TimeSpan.FromMinutes(2));
        await Reserve("b"); // sweeps "a", whose attempt has aged out

        for (var i = 0; i < 3; i++) (await Reserve("a")).ShouldNotBeNull();
        (await Reserve("a")).ShouldBeNull();
    }

    [Fact]
    public async Task ManyThreadsAtOnce_NeverHoldMoreThanTheLimit()
    {
        const int limit = 5;
        var held = 0;
        var most = 0;
        var taken = 0;
        using var start = new ManualResetEventSlim();
        var workers = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            start.Wait();
            for (var i = 0; i < 2000; i++)
            {
                var reservation = await _limiter.TryReserveAsync("shared", limit, Window);
                if (reservation is null) continue;
                Interlocked.Increment(ref taken);
                var now = Interlocked.Increment(ref held);
                InterlockedMax(ref most, now);
                Interlocked.Decrement(ref held);
                await _limiter.ReleaseAsync(reservation);
            }
        })).ToArray();
        start.Set();
        await Task.WhenAll(workers);

        most.ShouldBeLessThanOrEqualTo(limit);
        taken.ShouldBeGreaterThan(limit);
        _limiter.HeldCount("shared").ShouldBe(0);
    }

    [Fact]
    public async Task ManyThreadsAtOnce_WithoutReleasing_TakeExactlyTheLimit()
    {
        using var start = new ManualResetEventSlim();
        var workers = Enumerable.Range(0, 200).Select(_ => Task.Run(async () =>
        {
            start.Wait();
            return await _limiter.TryReserveAsync("burst", 10, Window);
        })).ToArray();
        start.Set();

        (await Task.WhenAll(workers)).Count(r => r is not null).ShouldBe(10);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen)
        {
            var previous = Interlocked.CompareExchange(ref target, value, seen);
            if (previous == seen) return;
            seen = previous;
        }
    }
}
