namespace Newsletter.Core.Deliveries;

/// <summary>At most <paramref name="Messages"/> per <paramref name="Period"/>.</summary>
public sealed record RateLimit(int Messages, TimeSpan Period);

/// <summary>
/// Shared token buckets: every process using the same store draws from the same buckets, so a limit bounds what reaches
/// the server whatever the number of workers, connections and machines.
/// </summary>
public interface IRateLimiter
{
    /// <summary>Takes one message's worth from every bucket of <paramref name="key"/>, or none if any bucket is empty.</summary>
    /// <returns><see cref="TimeSpan.Zero"/> when taken; otherwise how long to wait before asking again.</returns>
    Task<TimeSpan> TryAcquireAsync(string key, IReadOnlyList<RateLimit> limits, CancellationToken cancellationToken);
}
