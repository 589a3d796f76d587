namespace Newsletter.Core.Bounces;

/// <summary>
/// What the bounce rules ask of the store beyond the delivery log and the suppression list: the last message sent to an
/// address, and the count of soft bounces on consecutive issues.
/// </summary>
public interface IBounceStore
{
    /// <summary>The most recent issue sent to the address (matched by its email key), or null when it was never sent anything.</summary>
    /// <returns>The delivery's id, its issue, and the address as the list spells it.</returns>
    Task<SentDelivery?> FindLastSentAsync(string email, CancellationToken cancellationToken);

    /// <summary>
    /// Records a soft bounce of <paramref name="issueNumber"/> to the address (again for the same issue changes nothing) and
    /// returns on how many consecutive issues, ending with this one, the address soft-bounced. Issues the address was not
    /// sent do not break the run; an issue it was sent without a soft bounce does.
    /// </summary>
    Task<int> RecordSoftBounceAsync(string email, int issueNumber, string status, string? detail, CancellationToken cancellationToken);
}
