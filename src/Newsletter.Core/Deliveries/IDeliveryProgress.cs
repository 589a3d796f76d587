namespace Newsletter.Core.Deliveries;

/// <summary>
/// Read-only figures about deliveries: counts per state, the progress of unfinished sends, the next retry and the failures.
/// Used by status output, the /sends page, the archive, the monitoring gauges, the watcher and the error budget.
/// </summary>
public interface IDeliveryProgress
{
    /// <summary>Counts for one send, or for every send of the issue when <paramref name="sendId"/> is null.</summary>
    Task<DeliveryCounts> CountAsync(int issueNumber, long? sendId, CancellationToken cancellationToken);

    /// <summary>
    /// The progress of every send that is scheduled, running or paused (not finished or cancelled), oldest first, read in
    /// one query however many sends there are: it backs the monitoring gauges, which are read on every scrape.
    /// </summary>
    Task<IReadOnlyList<SendProgress>> ListUnfinishedSendProgressAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The progress of each of these sends (the send as stored now, its counts and its next retry), in id order, read in one
    /// grouped query however many sends there are: for what <c>status</c>, /sends and the watcher show. Ids with no send are left out.
    /// </summary>
    Task<IReadOnlyList<SendProgress>> GetSendProgressAsync(IReadOnlyCollection<long> sendIds, CancellationToken cancellationToken);

    /// <summary>Failed deliveries of the issue, with their reasons.</summary>
    Task<IReadOnlyList<Delivery>> ListFailedAsync(int issueNumber, CancellationToken cancellationToken);
}
