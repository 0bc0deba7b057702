using Speaking.Infrastructure.Realtime;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Infrastructure;

public class TokenBucketTests
{
    private readonly ManualTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));

    private static int TakeAll(TokenBucket bucket)
    {
        var taken = 0;
        while (bucket.TryTake() && taken < 10_000) taken++;
        return taken;
    }

    [Fact]
    public void TryTake_AllowsABurstOf50ThenRefuses()
    {
        var bucket = new TokenBucket(50, 20, _time);

        for (var i = 0; i < 50; i++) bucket.TryTake().ShouldBeTrue($"message {i + 1}");
        bucket.TryTake().ShouldBeFalse();
    }

    [Fact]
    public void TryTake_RefillsAtTheSustainedRate()
    {
        var bucket = new TokenBucket(50, 20, _time);
        TakeAll(bucket);

        _time.Advance(TimeSpan.FromMilliseconds(100));
        TakeAll(bucket).ShouldBe(2);

        _time.Advance(TimeSpan.FromSeconds(1));
        TakeAll(bucket).ShouldBe(20);
    }

    [Fact]
    public void TryTake_NeverHoldsMoreThanTheBurst()
    {
        var bucket = new TokenBucket(50, 20, _time);
        TakeAll(bucket);

        _time.Advance(TimeSpan.FromHours(1));

        TakeAll(bucket).ShouldBe(50);
    }
}
