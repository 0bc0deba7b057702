using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Speaking.Application.Common;
using Speaking.Infrastructure;
using Speaking.Infrastructure.Configuration;
using Speaking.Infrastructure.Limits;
using Speaking.Infrastructure.Redis;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Hardening;

/// <summary>
/// The Redis shared counter's script against a real redis-server: check and take in one step, releases, the window
/// (on a movable clock: the node's clock scores the attempts), the key's expiry, and two nodes taking at once.
/// </summary>
public sealed class RedisAttemptLimiterTests : IAsyncLifetime
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(60);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly List<RedisConnection> _connections = [];
    private RedisProcess _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisProcess.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var connection in _connections) await connection.DisposeAsync();
        await _redis.DisposeAsync();
    }

    /// <summary>A limiter with a Redis connection of its own: one node.</summary>
    private RedisAttemptLimiter Node()
    {
        var connection = new RedisConnection(RedisUrl.Parse(_redis.Url), NullLogger<RedisConnection>.Instance);
        _connections.Add(connection);
        return new RedisAttemptLimiter(connection, _time, NullLogger<RedisAttemptLimiter>.Instance);
    }

    private StackExchange.Redis.IDatabase Raw => _connections[0].Database;

    [Fact]
    public async Task TryReserve_TakesUpToTheLimit_ThenRefuses_PerKey()
    {
        var limiter = Node();
        for (var i = 0; i < 3; i++) (await limiter.TryReserveAsync("k", 3, Window)).ShouldNotBeNull();

        (await limiter.TryReserveAsync("k", 3, Window)).ShouldBeNull();
        (await limiter.TryReserveAsync("other", 3, Window)).ShouldNotBeNull();
        (await Raw.SortedSetLengthAsync(RedisAttemptLimiter.KeyPrefix + "k")).ShouldBe(3);
    }

    [Fact]
    public async Task Release_GivesOneAttemptBack_AndOnlyThatOne()
    {
        var limiter = Node();
        var first = (await limiter.TryReserveAsync("k", 3, Window))!;
        await limiter.TryReserveAsync("k", 3, Window);
        await limiter.TryReserveAsync("k", 3, Window);

        await limiter.ReleaseAsync(first);
        await limiter.ReleaseAsync(first);
        await limiter.ReleaseAsync(new AttemptReservation("k", "someone-else"));

        (await Raw.SortedSetLengthAsync(RedisAttemptLimiter.KeyPrefix + "k")).ShouldBe(2);
        (await limiter.TryReserveAsync("k", 3, Window)).ShouldNotBeNull();
        (await limiter.TryReserveAsync("k", 3, Window)).ShouldBeNull();
    }

    [Fact]
    public async Task AKeptAttempt_CountsUntilItsWindowHasPassed_AndTheKeyExpiresWithTheNewest()
    {
        var limiter = Node();
        var key = RedisAttemptLimiter.KeyPrefix + "k";
        await limiter.TryReserveAsync("k", 3, Window);
        _time.Advance(TimeSpan.FromSeconds(30));
        await limiter.TryReserveAsync("k", 3, Window);
        await limiter.TryReserveAsync("k", 3, Window);
        (await limiter.TryReserveAsync("k", 3, Window)).ShouldBeNull();

        _time.Advance(TimeSpan.FromSeconds(30)); // the first is exactly one window old: it no longer counts
        (await limiter.TryReserveAsync("k", 3, Window)).ShouldNotBeNull();
        (await limiter.TryReserveAsync("k", 3, Window)).ShouldBeNull();
        (await Raw.SortedSetLengthAsync(key)).ShouldBe(3);

        var ttl = await Raw.KeyTimeToLiveAsync(key);
        ttl.ShouldNotBeNull();
        ttl.Value.ShouldBeLessThanOrEqualTo(Window);
        ttl.Value.ShouldBeGreaterThan(TimeSpan.Zero);
    }

    [Fact]
    public async Task TwoNodesTakingAtOnce_TakeExactlyTheLimitBetweenThem()
    {
        RedisAttemptLimiter[] nodes = [Node(), Node()];
        using var start = new SemaphoreSlim(0);
        var takes = Enumerable.Range(0, 200).Select(async i =>
        {
            await start.WaitAsync();
            return await nodes[i % 2].TryReserveAsync("burst", 10, Window);
        }).ToArray();
        start.Release(takes.Length);

        (await Task.WhenAll(takes)).Count(r => r is not null).ShouldBe(10);
        (await Raw.SortedSetLengthAsync(RedisAttemptLimiter.KeyPrefix + "burst")).ShouldBe(10);
    }

    [Fact]
    public async Task WhileRedisIsAway_ReservingThrowsAnOutage_AndReleasingDoesNotThrow()
    {
        var limiter = Node();
        var held = (await limiter.TryReserveAsync("k", 3, Window))!;

        await _redis.StopAsync();

        var failure = await Should.ThrowAsync<Exception>(() => limiter.TryReserveAsync("k", 3, Window));
        Outage.Is(failure).ShouldBeTrue(failure.ToString());
        await limiter.ReleaseAsync(held);
    }
}
