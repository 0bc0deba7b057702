using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Speaking.IntegrationTests.Support;

/// <summary>
/// A log provider a test can read: what the service's console shows with the shipped levels (Information and above,
/// the framework's own categories from Warning), each entry with the number of console lines it becomes (a message
/// with an exception prints the stack trace below it).
/// </summary>
public sealed class LogSink : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyList<LogEntry> Entries => _entries.ToArray();

    /// <summary>Adds this sink beside the service's own logging (pass to <c>TestHost.StartAsync(replaceServices: ...)</c>).</summary>
    public void AddTo(IServiceCollection services) => services.AddSingleton<ILoggerProvider>(this);

    /// <summary>Console lines written since <paramref name="mark"/> (an earlier <see cref="Mark"/>).</summary>
    public int LinesSince(int mark) => Entries.Skip(mark).Sum(e => e.Lines);

    public int Mark() => _entries.Count;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this);

    public void Dispose()
    {
    }

    public sealed record LogEntry(string Category, LogLevel Level, string Message, Exception? Exception)
    {
        public int Lines => 1 + Message.Count(c => c == '\n') + (Exception is null ? 0 : Exception.ToString().Split('\n').Length);

        public override string ToString() => $"{Level} {Category}: {Message}{(Exception is null ? "" : "\n" + Exception)}";
    }

    private sealed class Logger(string category, LogSink sink) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) =>
            logLevel >= (category.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) ? LogLevel.Warning : LogLevel.Information);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) sink._entries.Enqueue(new LogEntry(category, logLevel, formatter(state, exception), exception));
        }
    }
}
