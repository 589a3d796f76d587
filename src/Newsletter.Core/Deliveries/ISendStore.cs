using Newsletter.Core.Lists;

namespace Newsletter.Core.Deliveries;

/// <summary>
/// The sends of issues to lists, and their lifecycle: created with their deliveries, started, paused, resumed, cancelled,
/// retried and finished. Used by whatever starts, controls or shows a send (the scheduler, the fan-out and batch jobs, the
/// CLI and the /sends page). Every method is safe to call from several workers and processes at once.
/// </summary>
public interface ISendStore
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
}
