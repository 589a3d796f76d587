using Newsletter.Core.Lists;

namespace Newsletter.Core.Deliveries;

/// <summary>
/// Records who an issue goes to and what happened to each message. Every method is safe to call
/// from several workers and processes at once.
/// </summary>
public interface IDeliveryLog
{
    /// <summary>
    /// Creates the send of an issue to a list, with one pending delivery per subscriber, numbered into
    /// batches of <paramref name="batchSize"/>. Subscribers who already have a delivery of the same issue
    /// (through another list) are left out. If the send already exists it is returned unchanged.
    /// </summary>
    Task<Send> CreateSendAsync(int issueNumber, MailingList list, int batchSize, DateTimeOffset? scheduledFor, CancellationToken cancellationToken);

    Task<Send?> GetSendAsync(long sendId, CancellationToken cancellationToken);

    Task<Send?> FindSendAsync(int issueNumber, string listName, CancellationToken cancellationToken);

    Task<IReadOnlyList<Send>> ListSendsAsync(int issueNumber, CancellationToken cancellationToken);

    /// <summary>Marks the send running (first call wins the start time).</summary>
    Task MarkSendStartedAsync(long sendId, CancellationToken cancellationToken);

    /// <summary>Marks the send finished if no delivery is pending or sending; returns whether it did.</summary>
    Task<bool> TryMarkSendFinishedAsync(long sendId, CancellationToken cancellationToken);

    /// <summary>The deliveries of one batch, in order.</summary>
    Task<IReadOnlyList<Delivery>> GetBatchAsync(long sendId, int batchNumber, CancellationToken cancellationToken);

    /// <summary>
    /// Atomically moves a delivery from pending to sending. Exactly one caller wins, whatever the number of
    /// workers or processes; the others get <c>false</c> and must not send.
    /// </summary>
    Task<bool> TryClaimAsync(long deliveryId, string claimedBy, CancellationToken cancellationToken);

    /// <summary>Returns a claimed delivery to pending, when the message certainly did not reach the server.</summary>
    Task ReleaseAsync(long deliveryId, string reason, CancellationToken cancellationToken);

    Task RecordSentAsync(long deliveryId, string serverReply, CancellationToken cancellationToken);

    Task RecordFailedAsync(long deliveryId, string reason, CancellationToken cancellationToken);

    /// <summary>Counts for one send, or for every send of the issue when <paramref name="sendId"/> is null.</summary>
    Task<DeliveryCounts> CountAsync(int issueNumber, long? sendId, CancellationToken cancellationToken);

    /// <summary>Failed deliveries of the issue, with their reasons.</summary>
    Task<IReadOnlyList<Delivery>> ListFailedAsync(int issueNumber, CancellationToken cancellationToken);
}
