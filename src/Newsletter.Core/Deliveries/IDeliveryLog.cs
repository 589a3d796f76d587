using Newsletter.Core.Lists;

namespace Newsletter.Core.Deliveries;

/// <summary>
/// Records who an issue goes to and what happened to each message. Every method is safe to call
/// from several workers and processes at once.
/// </summary>
public interface IDeliveryLog
{
    /// <summary>
    /// Creates the send of an issue to a list, with one delivery per subscriber, numbered into batches of
    /// <paramref name="batchSize"/>. Subscribers who already have a delivery of the same issue (through another
    /// list) are left out; suppressed addresses are recorded as <see cref="DeliveryState.Suppressed"/>.
    /// If the send already exists it is returned unchanged.
    /// </summary>
    Task<Send> CreateSendAsync(int issueNumber, MailingList list, int batchSize, DateTimeOffset? scheduledFor, CancellationToken cancellationToken);

    Task<Send?> GetSendAsync(long sendId, CancellationToken cancellationToken);

    Task<Send?> FindSendAsync(int issueNumber, string listName, CancellationToken cancellationToken);

    Task<IReadOnlyList<Send>> ListSendsAsync(int issueNumber, CancellationToken cancellationToken);

    /// <summary>The most recent sends of every issue, newest first.</summary>
    Task<IReadOnlyList<Send>> ListRecentSendsAsync(int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Marks a scheduled send running (first call wins the start time). A paused or cancelled send stays as it is, start time
    /// included, so a paused send whose time came and went is still known not to have started.
    /// </summary>
    Task MarkSendStartedAsync(long sendId, CancellationToken cancellationToken);

    /// <summary>Marks the send finished if nothing is pending, sending or deferred; returns whether it is finished.</summary>
    Task<bool> TryMarkSendFinishedAsync(long sendId, CancellationToken cancellationToken);

    /// <summary>Stops a running or scheduled send: nothing more is claimed until <see cref="ResumeSendAsync"/>.</summary>
    /// <returns><c>false</c> when the send is finished or cancelled and cannot be paused.</returns>
    Task<bool> PauseSendAsync(long sendId, string reason, CancellationToken cancellationToken);

    /// <summary>
    /// Lets a paused send run again. A send paused before it started is <see cref="SendState.Scheduled"/> again, with its
    /// <see cref="Send.ScheduledFor"/> time; one that had started is <see cref="SendState.Running"/>. The caller queues its fan-out.
    /// </summary>
    /// <returns><c>false</c> when the send was not paused.</returns>
    Task<bool> ResumeSendAsync(long sendId, CancellationToken cancellationToken);

    /// <summary>Stops a send for good: every pending or deferred delivery becomes cancelled.</summary>
    /// <returns>How many deliveries were cancelled, or -1 when the send had already finished.</returns>
    Task<int> CancelSendAsync(long sendId, CancellationToken cancellationToken);

    /// <summary>Returns the failed deliveries of a send to pending (suppressed addresses stay failed) and reopens the send.</summary>
    /// <returns>How many deliveries will be tried again.</returns>
    Task<int> RetryFailedAsync(long sendId, CancellationToken cancellationToken);

    /// <summary>The deliveries of one batch, in order.</summary>
    Task<IReadOnlyList<Delivery>> GetBatchAsync(long sendId, int batchNumber, CancellationToken cancellationToken);

    /// <summary>
    /// Atomically moves a delivery that is pending, or deferred and due, to sending, if its send is running and its address is
    /// not suppressed. Exactly one caller wins, whatever the number of workers or processes; the others must not send.
    /// </summary>
    /// <param name="claimedBy">The claiming worker's id, as registered with <see cref="HeartbeatAsync"/>.</param>
    Task<ClaimResult> TryClaimAsync(long deliveryId, string claimedBy, CancellationToken cancellationToken);

    /// <summary>Returns a claimed delivery to pending, when the message certainly did not reach the server.</summary>
    Task ReleaseAsync(long deliveryId, string reason, CancellationToken cancellationToken);

    /// <param name="messageId">The Message-ID of what was sent, so a bounce quoting it can be traced to this delivery.</param>
    Task RecordSentAsync(long deliveryId, string serverReply, string? messageId, CancellationToken cancellationToken);

    /// <summary>The delivery whose message had this Message-ID (with or without angle brackets), if any.</summary>
    Task<Delivery?> FindByMessageIdAsync(string messageId, CancellationToken cancellationToken);

    /// <summary>Records a permanent failure.</summary>
    Task RecordFailedAsync(long deliveryId, string reason, CancellationToken cancellationToken);

    /// <summary>Records a transient failure: the delivery is tried again from <paramref name="nextAttemptAt"/>.</summary>
    /// <param name="uncertain">The server may have taken the message already (the reply was lost).</param>
    Task RecordDeferredAsync(long deliveryId, string reason, DateTimeOffset nextAttemptAt, bool uncertain, CancellationToken cancellationToken);

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

    /// <summary>Records that a worker process is alive; its claims are honoured while its heartbeat is fresh.</summary>
    Task HeartbeatAsync(string workerId, CancellationToken cancellationToken);

    /// <summary>
    /// Returns deliveries claimed by workers whose heartbeat is older than <paramref name="staleAfter"/> (a crashed or killed
    /// process) to pending, flagged uncertain: the server may have taken a message whose reply the dead worker never recorded.
    /// </summary>
    /// <returns>The sends that had deliveries recovered, so the caller can queue them again.</returns>
    Task<IReadOnlyList<long>> RecoverAbandonedClaimsAsync(TimeSpan staleAfter, CancellationToken cancellationToken);
}
