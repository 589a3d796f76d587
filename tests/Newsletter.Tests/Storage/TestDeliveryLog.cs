using Microsoft.Extensions.DependencyInjection;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;
using Newsletter.Storage;

namespace Newsletter.Tests.Storage;

/// <summary>
/// The delivery log's five role classes over one store, as one object for tests to drive: every call goes to the class
/// production resolves for that interface. A one-off claim or outcome (<see cref="TryClaimAsync"/>, <see cref="RecordSentAsync"/>,
/// …) runs in a claim session of its own, which is the only way production claims and records.
/// </summary>
public sealed class TestDeliveryLog : ISendStore, IDeliveryClaims, IDeliveryProgress, IWorkerHeartbeats, ISentMessageLookup
{
    private TestDeliveryLog(ISendStore sends, IDeliveryClaims claims, IDeliveryProgress progress, IWorkerHeartbeats heartbeats, ISentMessageLookup lookup)
    {
        Sends = sends;
        Claims = claims;
        Progress = progress;
        Heartbeats = heartbeats;
        Lookup = lookup;
    }

    /// <summary>New role classes over <paramref name="database"/>, sharing one <see cref="StoreOutage"/> as a process's do.</summary>
    public TestDeliveryLog(StoreDatabase database, TimeProvider? time = null)
        : this(database, time, new StoreOutage(database, time))
    {
    }

    private TestDeliveryLog(StoreDatabase database, TimeProvider? time, StoreOutage outage)
        : this(new SendStore(database, time), new DeliveryClaims(database, time, outage), new DeliveryProgress(database),
            new WorkerHeartbeats(database, time, outage), new SentMessageLookup(database))
    {
    }

    /// <summary>The role classes a host registered (<c>AddStore</c>).</summary>
    public static TestDeliveryLog From(IServiceProvider services) => new(
        services.GetRequiredService<ISendStore>(), services.GetRequiredService<IDeliveryClaims>(), services.GetRequiredService<IDeliveryProgress>(),
        services.GetRequiredService<IWorkerHeartbeats>(), services.GetRequiredService<ISentMessageLookup>());

    public ISendStore Sends { get; }

    public IDeliveryClaims Claims { get; }

    public IDeliveryProgress Progress { get; }

    public IWorkerHeartbeats Heartbeats { get; }

    public ISentMessageLookup Lookup { get; }

    /// <summary>One claim, in a session of its own for <paramref name="claimedBy"/>.</summary>
    public async Task<ClaimResult> TryClaimAsync(long deliveryId, string claimedBy, CancellationToken cancellationToken)
    {
        await using var session = await Claims.OpenSessionAsync(claimedBy, cancellationToken);
        return await session.TryClaimAsync(deliveryId, cancellationToken);
    }

    /// <summary>One "sent", written when its session ends.</summary>
    /// <exception cref="InvalidOperationException">The delivery is not pending or being sent.</exception>
    public async Task RecordSentAsync(long deliveryId, string serverReply, string? messageId, CancellationToken cancellationToken)
    {
        await using var session = await Claims.OpenSessionAsync("test", cancellationToken);
        await session.RecordSentAsync(deliveryId, serverReply, messageId, cancellationToken);
    }

    /// <exception cref="InvalidOperationException">The delivery is not pending or being sent.</exception>
    public async Task RecordFailedAsync(long deliveryId, string reason, CancellationToken cancellationToken)
    {
        await using var session = await Claims.OpenSessionAsync("test", cancellationToken);
        await session.RecordFailedAsync(deliveryId, reason, cancellationToken);
    }

    /// <exception cref="InvalidOperationException">The delivery is not being sent.</exception>
    public async Task RecordDeferredAsync(long deliveryId, string reason, DateTimeOffset nextAttemptAt, bool uncertain, CancellationToken cancellationToken)
    {
        await using var session = await Claims.OpenSessionAsync("test", cancellationToken);
        await session.RecordDeferredAsync(deliveryId, reason, nextAttemptAt, uncertain, cancellationToken);
    }

    public Task<Send> CreateSendAsync(int issueNumber, MailingList list, int batchSize, DateTimeOffset? scheduledFor, CancellationToken cancellationToken) =>
        Sends.CreateSendAsync(issueNumber, list, batchSize, scheduledFor, cancellationToken);

    public Task<Send?> GetSendAsync(long sendId, CancellationToken cancellationToken) => Sends.GetSendAsync(sendId, cancellationToken);

    public Task<Send?> FindSendAsync(int issueNumber, string listName, CancellationToken cancellationToken) =>
        Sends.FindSendAsync(issueNumber, listName, cancellationToken);

    public Task<IReadOnlyList<Send>> ListSendsAsync(int issueNumber, CancellationToken cancellationToken) => Sends.ListSendsAsync(issueNumber, cancellationToken);

    public Task<IReadOnlyList<Send>> ListRecentSendsAsync(int limit, CancellationToken cancellationToken) => Sends.ListRecentSendsAsync(limit, cancellationToken);

    public Task MarkSendStartedAsync(long sendId, CancellationToken cancellationToken) => Sends.MarkSendStartedAsync(sendId, cancellationToken);

    public Task<bool> TryMarkSendFinishedAsync(long sendId, CancellationToken cancellationToken) => Sends.TryMarkSendFinishedAsync(sendId, cancellationToken);

    public Task<bool> PauseSendAsync(long sendId, string reason, CancellationToken cancellationToken) => Sends.PauseSendAsync(sendId, reason, cancellationToken);

    public Task<bool> ResumeSendAsync(long sendId, CancellationToken cancellationToken) => Sends.ResumeSendAsync(sendId, cancellationToken);

    public Task<int> CancelSendAsync(long sendId, CancellationToken cancellationToken) => Sends.CancelSendAsync(sendId, cancellationToken);

    public Task<int> RetryFailedAsync(long sendId, CancellationToken cancellationToken) => Sends.RetryFailedAsync(sendId, cancellationToken);

    public Task<IDeliveryClaimSession> OpenSessionAsync(string claimedBy, CancellationToken cancellationToken) => Claims.OpenSessionAsync(claimedBy, cancellationToken);

    public Task<IReadOnlyList<Newsletter.Core.Deliveries.Delivery>> GetBatchAsync(long sendId, int batchNumber, CancellationToken cancellationToken) =>
        Claims.GetBatchAsync(sendId, batchNumber, cancellationToken);

    public Task ReleaseAsync(long deliveryId, string reason, CancellationToken cancellationToken) => Claims.ReleaseAsync(deliveryId, reason, cancellationToken);

    public Task<DeliveryCounts> CountAsync(int issueNumber, long? sendId, CancellationToken cancellationToken) => Progress.CountAsync(issueNumber, sendId, cancellationToken);

    public Task<IReadOnlyList<SendProgress>> ListUnfinishedSendProgressAsync(CancellationToken cancellationToken) =>
        Progress.ListUnfinishedSendProgressAsync(cancellationToken);

    public Task<IReadOnlyList<SendProgress>> GetSendProgressAsync(IReadOnlyCollection<long> sendIds, CancellationToken cancellationToken) =>
        Progress.GetSendProgressAsync(sendIds, cancellationToken);

    public Task<IReadOnlyList<Newsletter.Core.Deliveries.Delivery>> ListFailedAsync(int issueNumber, CancellationToken cancellationToken) => Progress.ListFailedAsync(issueNumber, cancellationToken);

    public Task HeartbeatAsync(string workerId, CancellationToken cancellationToken) => Heartbeats.HeartbeatAsync(workerId, cancellationToken);

    public Task<IReadOnlyList<long>> RecoverAbandonedClaimsAsync(TimeSpan staleAfter, CancellationToken cancellationToken) =>
        Heartbeats.RecoverAbandonedClaimsAsync(staleAfter, cancellationToken);

    public Task<Newsletter.Core.Deliveries.Delivery?> FindByMessageIdAsync(string messageId, CancellationToken cancellationToken) => Lookup.FindByMessageIdAsync(messageId, cancellationToken);
}
