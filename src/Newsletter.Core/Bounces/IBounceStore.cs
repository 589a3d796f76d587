namespace Newsletter.Core.Bounces;

/// <summary>
/// What the bounce and complaint rules ask of the store beyond the delivery log and the suppression list: the message sent to
/// an address, the count of soft bounces on consecutive issues, and the complaints counted against each send.
/// </summary>
public interface IBounceStore
{
    /// <summary>The most recent issue sent to the address (matched by its email key), or null when it was never sent anything.</summary>
    /// <returns>The delivery's id, its issue, and the address as the list spells it.</returns>
    Task<SentDelivery?> FindLastSentAsync(string email, CancellationToken cancellationToken);

    /// <summary>The delivery of <paramref name="issueNumber"/> sent to the address (matched by its email key), or null when that issue was not sent to it.</summary>
    Task<SentDelivery?> FindSentAsync(string email, int issueNumber, CancellationToken cancellationToken);

    /// <summary>
    /// Records a soft bounce of <paramref name="issueNumber"/> to the address (again for the same issue changes nothing) and
    /// returns on how many consecutive issues, ending with this one, the address soft-bounced. Issues the address was not
    /// sent do not break the run; an issue it was sent without a soft bounce does.
    /// </summary>
    Task<int> RecordSoftBounceAsync(string email, int issueNumber, string status, string? detail, CancellationToken cancellationToken);

    /// <summary>
    /// Counts a complaint (a feedback-loop report) about one delivery against its send. A delivery is counted once however many
    /// reports name it, so a pass that runs twice counts nothing twice. The count is read back as
    /// <see cref="Deliveries.SendProgress.Complaints"/>.
    /// </summary>
    /// <returns><c>true</c> when this delivery's complaint was new.</returns>
    Task<bool> RecordComplaintAsync(long deliveryId, long sendId, CancellationToken cancellationToken);
}
