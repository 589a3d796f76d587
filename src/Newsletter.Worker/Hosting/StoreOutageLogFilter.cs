using Newsletter.Storage;

namespace Newsletter.Worker.Hosting;

/// <summary>
/// Folds Hangfire's own warnings about an unreachable store into <see cref="StoreOutage"/>'s one line. While the store is
/// known to be down, every Hangfire worker and job that touches it fails and says so ("Retry attempt 1 of 5 …", "57P01",
/// "Connection is not open"), several lines every few seconds, each about the outage the operator has already been told
/// of once. Those entries go to Debug instead (still there with <c>Logging:LogLevel:Hangfire=Debug</c>).
/// </summary>
/// <remarks>
/// Only an entry whose exception is, somewhere in its chain, the store being unreachable (the store's own test, the one
/// <see cref="StoreOutage"/> uses) is folded, and only while the outage is on: a Hangfire error with any other cause, or
/// any error once the store answers again, is logged as Hangfire wrote it. The outage state is resolved at the first such
/// entry, not when the factory is built, because <see cref="StoreOutage"/> itself logs through this factory.
/// </remarks>
public sealed class StoreOutageLogFilter(ILoggerFactory inner, Func<StoreOutage?> outage) : ILoggerFactory
{
    private const string HangfireCategory = "Hangfire";

    public ILogger CreateLogger(string categoryName)
    {
        var logger = inner.CreateLogger(categoryName);
        return categoryName.StartsWith(HangfireCategory, StringComparison.Ordinal) ? new FoldedDuringOutage(logger, outage) : logger;
    }

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();

    /// <summary>Whether <paramref name="exception"/>, or one it wraps, means the store cannot be reached while it is known to be down.</summary>
    private static bool IsTheKnownOutage(StoreOutage? outage, Exception exception)
    {
        if (outage is not { IsDown: true })
        {
            return false;
        }
        for (var cause = exception; cause is not null; cause = cause.InnerException)
        {
            if (outage.IsUnreachable(cause))
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
            if (logLevel is >= LogLevel.Warning and < LogLevel.None && exception is not null && IsTheKnownOutage(outage(), exception))
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
