using Speaking.Application.Common;

namespace Speaking.IntegrationTests.Support;

/// <summary>The real time plus an offset the test moves, instead of waiting (install with <c>services.AddSingleton&lt;IClock&gt;(clock)</c>).</summary>
public sealed class MovableClock : IClock
{
    private long _offsetTicks;

    public DateTime UtcNow
    {
        get
        {
            var now = DateTime.UtcNow.AddTicks(Interlocked.Read(ref _offsetTicks));
            return new DateTime(now.Ticks - now.Ticks % 10, DateTimeKind.Utc);
        }
    }

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}
