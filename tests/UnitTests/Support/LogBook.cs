using Microsoft.Extensions.Logging;

namespace Speaking.UnitTests.Support;

public sealed record LogEntry(string Category, LogLevel Level, string Message, Exception? Exception);

/// <summary>Loggers that write into one list, so a test can count lines and read what they say.</summary>
public sealed class LogBook
{
    private readonly List<LogEntry> _entries = [];

    public IReadOnlyList<LogEntry> Entries
    {
        get { lock (_entries) return _entries.ToArray(); }
    }

    public ILogger<T> For<T>() => new Logger<T>(this);

    private void Add(LogEntry entry)
    {
        lock (_entries) _entries.Add(entry);
    }

    private sealed class Logger<T>(LogBook book) : ILogger<T>
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            book.Add(new LogEntry(typeof(T).Name, logLevel, formatter(state, exception), exception));
    }
}
