using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;

namespace Newsletter.Delivery.Sending;

/// <summary>What one run of a batch did, and when its deferred deliveries are next due.</summary>
internal sealed class BatchRun(Send send, ListIdentity list, int batchNumber, string workerId)
{
    public Send Send { get; } = send;
    public ListIdentity List { get; } = list;
    public int BatchNumber { get; } = batchNumber;
    public string WorkerId { get; } = workerId;
    public int Sent, Failed, Deferred, Skipped, ConnectionFailures, Throttles;
    public bool Stopped;
    public DateTimeOffset LastBudgetCheck;
    public DateTimeOffset? NextDue { get; private set; }
    public DateTimeOffset? RunAgainAt { get; set; }

    /// <summary>The current pass's claims and outcomes, on its connection's own database connection.</summary>
    public IDeliveryClaimSession Claims { get; set; } = null!;

    public void Later(DateTimeOffset due) => NextDue = NextDue is { } known && known <= due ? known : due;

    /// <summary>Starts another pass over the batch: the earliest due time is recomputed from what is still deferred.</summary>
    public void StartPass()
    {
        NextDue = null;
        ConnectionFailures = 0;
    }
}
