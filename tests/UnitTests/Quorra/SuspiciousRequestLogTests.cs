using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Speaking.Api.Quorra;

namespace Speaking.UnitTests.Quorra;

public class SuspiciousRequestLogTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly CapturingLogger _logger = new();

    [Fact]
    public void TheFirstRequestIsLogged_ThenAtMostOneLinePerAddressPerMinute_WithTheCount()
    {
        using var log = new SuspiciousRequestLog(_time, _logger);

        log.Record("10.0.0.1");
        for (var i = 0; i < 99; i++) log.Record("10.0.0.1");
        log.Record("10.0.0.2");

        _logger.Lines.Count.ShouldBe(2);
        _logger.Lines[0].ShouldContain("10.0.0.1");
        _logger.Lines[0].ShouldContain(": 1 since");

        _time.Advance(TimeSpan.FromSeconds(59));
        log.Record("10.0.0.1");
        _logger.Lines.Count.ShouldBe(2);

        // The minute is up: the sweep writes the 100 held back, and the next request starts a new minute.
        _time.Advance(TimeSpan.FromSeconds(1));
        _logger.Lines.Count.ShouldBe(3);
        _logger.Lines[2].ShouldContain("10.0.0.1");
        _logger.Lines[2].ShouldContain(": 100 since");
        log.Record("10.0.0.1");
        _logger.Lines.Count.ShouldBe(3);
    }

    [Fact]
    public void ARequestAfterAQuietMinute_IsLoggedAtOnce()
    {
        using var log = new SuspiciousRequestLog(_time, _logger);
        log.Record("10.0.0.1");

        _time.Advance(TimeSpan.FromSeconds(90));
        log.Record("10.0.0.1");

        _logger.Lines.Count.ShouldBe(2);
        _logger.Lines[1].ShouldContain(": 1 since");
    }

    [Fact]
    public void TheSweep_WritesLeftoverCounts_ThenForgetsQuietAddresses()
    {
        using var log = new SuspiciousRequestLog(_time, _logger);
        log.Record("10.0.0.1");
        log.Record("10.0.0.1");
        log.Record("10.0.0.1");

        _time.Advance(TimeSpan.FromMinutes(1));

        _logger.Lines.Count.ShouldBe(2);
        _logger.Lines[1].ShouldContain(": 2 since");
        log.TrackedAddresses.ShouldBe(1);
        _time.Advance(TimeSpan.FromMinutes(1));
        log.TrackedAddresses.ShouldBe(0);
        _logger.Lines.Count.ShouldBe(2);
    }

    [Fact]
    public void MemoryIsBounded_BeyondTheLimitAddressesShareOneEntry()
    {
        using var log = new SuspiciousRequestLog(_time, _logger);

        for (var i = 0; i < SuspiciousRequestLog.MaxAddresses + 500; i++) log.Record($"10.{i / 65536}.{i / 256 % 256}.{i % 256}");

        log.TrackedAddresses.ShouldBeLessThanOrEqualTo(SuspiciousRequestLog.MaxAddresses + 1);
        _logger.Lines.Count.ShouldBe(SuspiciousRequestLog.MaxAddresses + 1);
        _logger.Lines[^1].ShouldContain(SuspiciousRequestLog.Overflow);
    }

    private sealed class CapturingLogger : ILogger<SuspiciousRequestLog>
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            logLevel.ShouldBe(LogLevel.Warning);
            lock (Lines) Lines.Add(formatter(state, exception));
        }
    }
}
