using System.ComponentModel.DataAnnotations;
using Newsletter.Core.Deliveries;

namespace Newsletter.Delivery.Sending;

/// <summary>How sends behave under load and failure (config section <c>Newsletter:Sending</c>).</summary>
public sealed class SendingOptions
{
    public const string SectionName = "Newsletter:Sending";

    /// <summary>Parallel connections per SMTP server, shared by every batch of this process; connections are reused across batches.</summary>
    [Range(1, 64)]
    public int Connections { get; set; } = 4;

    /// <summary>Messages per second the server may receive from us (all processes on the store together); empty for no limit.</summary>
    [Range(1, 100_000)]
    public int? PerSecond { get; set; }

    [Range(1, 10_000_000)]
    public int? PerMinute { get; set; }

    [Range(1, 100_000_000)]
    public int? PerHour { get; set; }

    /// <summary>How long a message that keeps failing transiently (4xx, lost connection) is retried before it counts as failed.</summary>
    [Range(0.001, 24 * 30)]
    public double RetryWindowHours { get; set; } = 24;

    /// <summary>Waits before the 1st, 2nd, … retry of a message; the last one repeats. Empty means <see cref="DefaultRetryDelaysSeconds"/>.</summary>
    /// <remarks>No initial value here: the configuration binder appends to an array that already has items, so configured
    /// delays would come after the defaults instead of replacing them.</remarks>
    public double[]? RetryDelaysSeconds { get; set; }

    public static IReadOnlyList<double> DefaultRetryDelaysSeconds { get; } = [30, 60, 120, 300, 600, 1800, 3600];

    /// <summary>
    /// The share of permanent failures (5xx) above which a send pauses itself instead of burning through the list: once at
    /// least <see cref="ErrorBudgetMinimumAttempts"/> messages were tried, when the failure rate is above it with 99%
    /// confidence (see <see cref="Core.Deliveries.ErrorBudget"/>), so a cluster of dead addresses at the head of a list does
    /// not pause a healthy send.
    /// </summary>
    [Range(0.0, 1.0)]
    public double ErrorBudget { get; set; } = 0.2;

    /// <summary>The evidence needed before the error budget is judged at all.</summary>
    [Range(1, 1_000_000)]
    public int ErrorBudgetMinimumAttempts { get; set; } = 100;

    /// <summary>
    /// The first pause after a throttling reply (421, or an x.7.x enhanced status such as 451 4.7.1); it doubles while the
    /// server keeps throttling. Other 4xx replies defer only the message they answered.
    /// </summary>
    [Range(0.0, 600)]
    public double ThrottlePauseSeconds { get; set; } = 2;

    /// <summary>
    /// A worker whose heartbeat is older than this is dead (killed, crashed, power lost): the deliveries it had on the wire
    /// are sent again, and counted as uncertain because the server may have taken them before it died.
    /// </summary>
    [Range(6, 3600)]
    public double WorkerTimeoutSeconds { get; set; } = 20;

    public TimeSpan RetryWindow => TimeSpan.FromHours(RetryWindowHours);

    public TimeSpan RetryDelay(int attempt)
    {
        IReadOnlyList<double> delays = RetryDelaysSeconds is { Length: > 0 } configured ? configured : DefaultRetryDelaysSeconds;
        return TimeSpan.FromSeconds(delays[Math.Clamp(attempt - 1, 0, delays.Count - 1)]);
    }

    /// <summary>The configured rate limits (per second, minute, hour), shortest window first; empty when there are none.</summary>
    public IReadOnlyList<RateLimit> RateLimits()
    {
        var limits = new List<RateLimit>(3);
        if (PerSecond is { } perSecond) limits.Add(new RateLimit(perSecond, TimeSpan.FromSeconds(1)));
        if (PerMinute is { } perMinute) limits.Add(new RateLimit(perMinute, TimeSpan.FromMinutes(1)));
        if (PerHour is { } perHour) limits.Add(new RateLimit(perHour, TimeSpan.FromHours(1)));
        return limits;
    }
}
