namespace Newsletter.Core.Deliveries;

/// <summary>
/// What the sending loop needs of the delivery log: a batch's deliveries, and a session that claims each message before it
/// goes on the wire and records its outcome as soon as it is known (<see cref="IDeliveryClaimSession"/>). The claim is the
/// whole guarantee that nobody is mailed twice, however many workers and processes run the same batch. Every method is
/// safe to call from several workers and processes at once.
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

    /// <summary>Returns a claimed delivery to pending, when the message certainly did not reach the server.</summary>
    Task ReleaseAsync(long deliveryId, string reason, CancellationToken cancellationToken);
}
