namespace Newsletter.Core.Deliveries;

/// <summary>
/// The heartbeats of the processes that claim deliveries, and the recovery of what a dead one had claimed. A claim is honoured
/// only while its worker's heartbeat is fresh.
/// </summary>
public interface IWorkerHeartbeats
{
    /// <summary>Records that a worker process is alive; its claims are honoured while its heartbeat is fresh.</summary>
    Task HeartbeatAsync(string workerId, CancellationToken cancellationToken);

    /// <summary>
    /// Returns deliveries claimed by workers whose heartbeat is older than <paramref name="staleAfter"/> (a crashed or killed
    /// process) to pending, flagged uncertain: the server may have taken a message whose reply the dead worker never recorded.
    /// </summary>
    /// <returns>
    /// The sends that had deliveries recovered, or were handed a reader after their batches were queued (someone who left
    /// another list whose send held their delivery), so the caller can queue them again.
    /// </returns>
    Task<IReadOnlyList<long>> RecoverAbandonedClaimsAsync(TimeSpan staleAfter, CancellationToken cancellationToken);
}
