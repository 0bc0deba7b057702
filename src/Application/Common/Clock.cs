namespace Speaking.Application.Common;

public interface IClock
{
    /// <summary>The current UTC time, truncated to whole microseconds (what PostgreSQL stores).</summary>
    DateTime UtcNow { get; }
}

public sealed class SystemClock : IClock
{
    public DateTime UtcNow
    {
        get
        {
            var now = DateTime.UtcNow;
            return new DateTime(now.Ticks - now.Ticks % 10, DateTimeKind.Utc);
        }
    }
}
