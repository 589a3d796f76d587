using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;

namespace Newsletter.Delivery.Sending;

/// <summary>The roles of the store that <see cref="BatchSender"/>'s loop writes and reads, all implemented by the store.</summary>
/// <param name="Sends">The send's state: read before each pass, paused by the rules that stop a send, marked finished.</param>
/// <param name="Claims">The batch's deliveries, a claim before each message, and each outcome.</param>
/// <param name="Progress">The send's counts, for the error budget.</param>
/// <param name="Heartbeats">The heartbeat that keeps this worker's claims honoured.</param>
/// <param name="Suppressions">Where a refused address goes.</param>
/// <param name="RateLimiter">The rate limits, shared by every process that sends to the same destination.</param>
public sealed record BatchStore(
    ISendStore Sends, IDeliveryClaims Claims, IDeliveryProgress Progress, IWorkerHeartbeats Heartbeats, ISuppressionList Suppressions,
    IRateLimiter RateLimiter);
