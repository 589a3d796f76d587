using Newsletter.Storage;

namespace Newsletter.Worker.Hosting;

/// <summary>
/// Folds Hangfire's own warnings about an unreachable store into <see cref="StoreOutage"/>'s one line. While the store is
/// down, every Hangfire worker and job that touches it fails and says so ("Connection is not open", "Retry attempt 1 of 5 …
/// 57P01"), each about the outage the operator has already been told of once. Those entries go to Debug instead (still
/// there with <c>Logging:LogLevel:Hangfire=Debug</c>).
/// </summary>
/// <remarks>
/// What is folded, and nothing else:
/// <list type="bullet">
/// <item>an entry whose exception is, somewhere in its chain, the store being unreachable (the store's own test, the one
/// <see cref="StoreOutage"/> uses), while the outage is on or for <see cref="AfterOutage"/> after it ends: Hangfire can
/// write a job's failure, and so logs its "Retry attempt", only once its storage answers again (measured with a real
/// PostgreSQL restart: the retry warnings came 1–2 s after the store was back);</item>
/// <item>while the outage is on, Npgsql's own <see cref="InvalidOperationException"/> ("Connection is not open"): a pooled
/// connection the outage broke.</item>
/// </list>
/// A Hangfire error with any other cause, or the same causes while the store is up and no outage just ended, is logged as
/// Hangfire wrote it. The outage state is resolved at the first entry with an exception, not when the factory is built,
/// because <see cref="StoreOutage"/> itself logs through this factory.
/// </remarks>
public sealed class StoreOutageLogFilter(ILoggerFactory inner, Func<StoreOutage?> outage) : ILoggerFactory
{
    private const string HangfireCategory = "Hangfire";

    /// <summary>How long after an outage ends a Hangfire entry caused by it still counts as about it.</summary>
    public static readonly TimeSpan AfterOutage = TimeSpan.FromMinutes(1);

    public ILogger CreateLogger(string categoryName)
    {
        var logger = inner.CreateLogger(categoryName);
        return categoryName.StartsWith(HangfireCategory, StringComparison.Ordinal) ? new FoldedDuringOutage(logger, outage) : logger;
    }

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();

    /// <summary>Whether <paramref name="exception"/>, or one it wraps, is the outage this process has logged (see the remarks).</summary>
    private static bool IsAboutTheOutage(StoreOutage? outage, Exception exception)
    {
        if (outage is null || !outage.RecentlyBack(AfterOutage))
        {
            return false;
        }
        var down = outage.IsDown;
        for (var cause = exception; cause is not null; cause = cause.InnerException)
        {
            if (outage.IsUnreachable(cause) || (down && cause is InvalidOperationException { Source: "Npgsql" }))
            {
                return true;
            }
        }
        return false;
    }

    private sealed class FoldedDuringOutage(ILogger inner, Func<StoreOutage?> outage) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel is >= LogLevel.Warning and < LogLevel.None && exception is not null && IsAboutTheOutage(outage(), exception))
            {
                logLevel = LogLevel.Debug;
                if (!inner.IsEnabled(logLevel))
                {
                    return;
                }
            }
            inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
