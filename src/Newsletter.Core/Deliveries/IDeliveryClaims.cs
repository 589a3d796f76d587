namespace Newsletter.Core.Deliveries;

/// <summary>
/// What the sending loop needs of the delivery log: a batch's deliveries, a claim before each message goes on the wire, and
/// its outcome as soon as it is known. The claim is the whole guarantee that nobody is mailed twice, however many workers and
/// processes run the same batch. Every method is safe to call from several workers and processes at once.
/// </summary>
public interface IDeliveryClaims
{
    /// <summary>
    /// Opens a session for one sending loop, on a database connection of its own held until the session is disposed: the
    /// loop's claims and outcomes then cost one commit per message instead of two (see <see cref="IDeliveryClaimSession"/>).
    /// </summary>
    /// <param name="claimedBy">The claiming worker's id, as registered with <see cref="IWorkerHeartbeats.HeartbeatAsync"/>.</param>
    Task<IDeliveryClaimSession> OpenSessionAsync(string claimedBy, CancellationToken cancellationToken);

    /// <summary>The deliveries of one batch, in order.</summary>
    Task<IReadOnlyList<Delivery>> GetBatchAsync(long sendId, int batchNumber, CancellationToken cancellationToken);

    /// <summary>
    /// Atomically moves a delivery that is pending, or deferred and due, to sending, if its send is running and its address is
    /// not suppressed. Exactly one caller wins, whatever the number of workers or processes; the others must not send.
    /// </summary>
    /// <param name="claimedBy">The claiming worker's id, as registered with <see cref="IWorkerHeartbeats.HeartbeatAsync"/>.</param>
    Task<ClaimResult> TryClaimAsync(long deliveryId, string claimedBy, CancellationToken cancellationToken);

    /// <summary>Returns a claimed delivery to pending, when the message certainly did not reach the server.</summary>
    Task ReleaseAsync(long deliveryId, string reason, CancellationToken cancellationToken);

    /// <param name="messageId">The Message-ID of what was sent, so a bounce quoting it can be traced to this delivery.</param>
    Task RecordSentAsync(long deliveryId, string serverReply, string? messageId, CancellationToken cancellationToken);

    /// <summary>Records a permanent failure.</summary>
    Task RecordFailedAsync(long deliveryId, string reason, CancellationToken cancellationToken);

    /// <summary>Records a transient failure: the delivery is tried again from <paramref name="nextAttemptAt"/>.</summary>
    /// <param name="uncertain">The server may have taken the message already (the reply was lost).</param>
    Task RecordDeferredAsync(long deliveryId, string reason, DateTimeOffset nextAttemptAt, bool uncertain, CancellationToken cancellationToken);
}
