using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Newsletter.Tests.Support;

/// <summary>
/// Keeps every log line, formatted as an operator would read it ("Warning Category: text"), so a test can assert on what
/// was logged: add it to a host (<c>builder.Logging.AddProvider</c>) or hand one class its logger (<see cref="CreateLogger{T}"/>).
/// </summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => _lines.ToArray();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    /// <summary>A logger for one class constructed by hand, writing to these lines.</summary>
    public ILogger<T> CreateLogger<T>() => new Logger<T>(_lines);

    public async Task<string> WaitForAsync(string fragment, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Lines.FirstOrDefault(l => l.Contains(fragment, StringComparison.Ordinal)) is { } line) return line;
            await Task.Delay(50);
        }
        throw new TimeoutException($"No log line containing '{fragment}' within {timeout}. Logged:{Environment.NewLine}{string.Join(Environment.NewLine, Lines)}");
    }

    public void Dispose()
    {
    }

    private class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}");
        }
    }

    private sealed class Logger<T>(ConcurrentQueue<string> lines) : Logger(typeof(T).FullName!, lines), ILogger<T>;
}
