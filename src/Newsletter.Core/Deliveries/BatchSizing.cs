namespace Newsletter.Core.Deliveries;

/// <summary>
/// How many deliveries one batch job carries. A batch job costs about 3 ms of CPU of its own whatever its size (Hangfire's
/// fetch and state changes, loading the send and the batch, opening the claim session), measured in the pipeline
/// benchmark as the difference between 80 and 4 jobs for the same 4,000 messages; so large batches make it vanish per
/// message (3 µs at 1,000). But a send cut into fewer batches than there are workers leaves connections idle, and one
/// cut into barely more ends with a long tail on one connection. So: batches as large as
/// <c>Newsletter:Delivery:BatchSize</c> allows, but at least <see cref="BatchesPerWorker"/> per worker.
/// </summary>
public static class BatchSizing
{
    /// <summary>
    /// A send is cut into at least this many batches per worker, so that every worker has work (also those of other
    /// processes on a shared store, up to this many per worker here) and the last round is short.
    /// </summary>
    public const int BatchesPerWorker = 4;

    /// <summary>No batch is made smaller than this (unless the largest allowed is): below it, a job's own cost shows per message.</summary>
    public const int SmallestBatch = 20;

    /// <summary>The size of each batch of a send.</summary>
    /// <param name="recipients">Subscribers on the list (an upper bound on the deliveries).</param>
    /// <param name="largestBatch">The configured largest batch, <c>Newsletter:Delivery:BatchSize</c>.</param>
    /// <param name="workers">Batches that run at once in one process (<c>Newsletter:Jobs:WorkerCount</c>).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="largestBatch"/> or <paramref name="workers"/> is not positive, or <paramref name="recipients"/> is negative.</exception>
    public static int For(int recipients, int largestBatch, int workers)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(recipients);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(largestBatch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workers);
        var batches = (long)workers * BatchesPerWorker;
        var even = (int)((recipients + batches - 1) / batches);
        return Math.Clamp(even, Math.Min(SmallestBatch, largestBatch), largestBatch);
    }
}
