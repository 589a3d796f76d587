using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Newsletter.Storage;

/// <summary>
/// Whether this process can reach the store right now, as its writers find out: it tells an error that means "not now"
/// (the server restarting or stopped, the connection cut, the file locked past the busy timeout) from one that will not go
/// away by waiting, logs an outage once when it starts and once when it ends (naming the store, never a password), and
/// remembers when the store came back.
/// </summary>
/// <remarks>
/// One per process and store: every claim session and the heartbeat report here, so ten writers failing every two seconds
/// make one line, not hundreds.
/// </remarks>
public sealed partial class StoreOutage(StoreDatabase database, TimeProvider? time = null, ILogger<StoreOutage>? logger = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ILogger _logger = logger ?? NullLogger<StoreOutage>.Instance;
    private readonly Lock _lock = new();
    private DateTimeOffset? _downSince;
    private DateTimeOffset? _backSince;

    /// <summary>A short wait before the first retry, doubling up to this: a store that is back is written within about 2 s.</summary>
    public static readonly TimeSpan LongestRetryDelay = TimeSpan.FromSeconds(2);

    /// <summary>Which store this is, for messages.</summary>
    public string Description => database.Description;

    /// <summary>True while the last write this process tried failed because the store could not be reached.</summary>
    public bool IsDown
    {
        get
        {
            lock (_lock) return _downSince is not null;
        }
    }

    /// <summary>
    /// True when this process saw the store unreachable and it has answered again for less than <paramref name="period"/>:
    /// the other processes' heartbeats may still be stale from the outage, so their claims must not be taken for abandoned.
    /// </summary>
    public bool RecentlyBack(TimeSpan period)
    {
        lock (_lock)
        {
            return _downSince is not null || (_backSince is { } back && _time.GetUtcNow() - back < period);
        }
    }

    /// <summary>True when <paramref name="exception"/> means the store cannot be reached now, and a retry later may succeed.</summary>
    public bool IsUnreachable(Exception exception) => database.IsUnreachable(exception);

    /// <summary>Records a failure to reach the store; logs it if it starts an outage.</summary>
    public void Failed(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        lock (_lock)
        {
            if (_downSince is not null)
            {
                return;
            }
            _downSince = _time.GetUtcNow();
        }
        LogUnreachable(database.Description, exception.Message);
    }

    /// <summary>Records that the store answered; logs the end of an outage.</summary>
    public void Succeeded()
    {
        DateTimeOffset since;
        lock (_lock)
        {
            if (_downSince is not { } down)
            {
                return;
            }
            since = down;
            _downSince = null;
            _backSince = _time.GetUtcNow();
        }
        LogBack(database.Description, _time.GetUtcNow() - since);
    }

    /// <summary>The wait before retry number <paramref name="attempt"/> (1 for the first): 250 ms, doubling, at most <see cref="LongestRetryDelay"/>.</summary>
    public static TimeSpan RetryDelay(int attempt) =>
        TimeSpan.FromMilliseconds(Math.Min(250 * Math.Pow(2, Math.Min(attempt - 1, 10)), LongestRetryDelay.TotalMilliseconds));

    [LoggerMessage(Level = LogLevel.Error, Message = "The store {Store} cannot be reached ({Reason}). Sending waits: what the workers know is held and written when it is back")]
    private partial void LogUnreachable(string store, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The store {Store} answers again after {Outage}; held outcomes are being written and sending carries on")]
    private partial void LogBack(string store, TimeSpan outage);
}
