namespace Newsletter.Worker.Hosting;

/// <summary>
/// Drops the host's own "Hosting failed to start" entry, which carries the whole stack trace of whatever stopped the start
/// (a cron Hangfire cannot read, a port another process holds). The same exception is rethrown to the command, which prints
/// the one line an operator can act on (<see cref="Cli.CommandRunner.ExitCodeFor"/>) or, for anything unforeseen, lets the
/// runtime print it with its trace: nothing is lost, and a configuration mistake is not buried under 35 lines of frames.
/// </summary>
public sealed class StartupFaultLogFilter(ILoggerFactory inner) : ILoggerFactory
{
    private const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";
    private const string StartupFaultedEvent = "HostedServiceStartupFaulted";

    public ILogger CreateLogger(string categoryName)
    {
        var logger = inner.CreateLogger(categoryName);
        return categoryName == HostCategory ? new WithoutStartupFault(logger) : logger;
    }

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();

    private sealed class WithoutStartupFault(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Name != StartupFaultedEvent)
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
