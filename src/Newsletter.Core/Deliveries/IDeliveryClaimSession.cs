namespace Newsletter.Core.Deliveries;

/// <summary>
/// The claims and outcomes of one sending loop (one mail connection, one message on the wire at a time) on one database
/// connection held for the loop's life, so that a message costs one commit instead of two: the outcome "sent" is written
/// together with the next claim. Not thread-safe: one loop, one session. Dispose it to write what it still holds.
/// </summary>
/// <remarks>
/// Why this keeps every guarantee of <see cref="IDeliveryClaims"/>: a claim is taken one delivery at a time and in one
/// statement, right before the message goes on the wire, and it checks the send is running and the address not
/// suppressed. A "sent" outcome is held in memory only until the next claim, which is written in the same transaction, so
/// it always reaches the database before the next message is handed over. If the process dies in between, the delivery
/// held is the one message that was on the wire: crash recovery puts it back to pending flagged uncertain, exactly as for a
/// reply that never arrived. Failures, deferrals and releases are written at once (with a held "sent" before them).
/// </remarks>
public interface IDeliveryClaimSession : IAsyncDisposable
{
    /// <summary>
    /// Writes a held "sent" outcome and claims the delivery, in one transaction, for the session's worker: atomically moves a
    /// delivery that is pending, or deferred and due, to sending, if its send is running and its address is not suppressed.
    /// Exactly one claimer wins, whatever the number of workers or processes; the others must not send.
    /// </summary>
    /// <exception cref="InvalidOperationException">The held outcome could not be written: its delivery is no longer being sent.</exception>
    Task<ClaimResult> TryClaimAsync(long deliveryId, CancellationToken cancellationToken);

    /// <summary>
    /// Holds the outcome "sent" until the next claim, outcome, <see cref="FlushAsync"/> or dispose, which write it. Until then the
    /// delivery reads as sending.
    /// </summary>
    /// <param name="messageId">The Message-ID of what was sent, so a bounce quoting it can be traced to this delivery.</param>
    Task RecordSentAsync(long deliveryId, string serverReply, string? messageId, CancellationToken cancellationToken);

    /// <summary>Records a permanent failure now.</summary>
    Task RecordFailedAsync(long deliveryId, string reason, CancellationToken cancellationToken);

    /// <summary>Records a transient failure now: the delivery is tried again from <paramref name="nextAttemptAt"/>.</summary>
    /// <param name="uncertain">The server may have taken the message already (the reply was lost).</param>
    Task RecordDeferredAsync(long deliveryId, string reason, DateTimeOffset nextAttemptAt, bool uncertain, CancellationToken cancellationToken);

    /// <summary>Returns a claimed delivery to pending now, as <see cref="IDeliveryClaims.ReleaseAsync"/>.</summary>
    Task ReleaseAsync(long deliveryId, string reason, CancellationToken cancellationToken);

    /// <summary>
    /// Writes a held "sent" outcome now. Call it before waiting (a rate limit, a pause) so that a crash during the wait cannot
    /// send that message again.
    /// </summary>
    /// <exception cref="InvalidOperationException">The held outcome could not be written: its delivery is no longer being sent.</exception>
    Task FlushAsync(CancellationToken cancellationToken);
}
