namespace Newsletter.Delivery.Sending;

/// <summary>
/// The job system that runs a send's fan-out, as <see cref="SendQueue"/> and <see cref="ClaimRecovery"/> need it. The
/// worker implements it with Hangfire, so that the send engine knows no job system.
/// </summary>
public interface ISendJobQueue
{
    /// <summary>Batch jobs one process runs at once (each holds one connection): the send's batches are sized so that they spread over them.</summary>
    int WorkerCount { get; }

    /// <summary>Queues the fan-out of the send to run as soon as a worker is free.</summary>
    void QueueFanOut(long sendId);

    /// <summary>Schedules the fan-out of the send to run at <paramref name="at"/>.</summary>
    void ScheduleFanOut(long sendId, DateTimeOffset at);
}
