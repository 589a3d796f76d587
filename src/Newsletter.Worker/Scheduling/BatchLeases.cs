using Hangfire;
using Hangfire.Storage;
using Hangfire.Storage.SQLite;
using Microsoft.Extensions.Options;
using Newsletter.Delivery.Sending;

namespace Newsletter.Worker.Scheduling;

/// <summary>
/// One live run per batch. Hangfire's SQLite storage does not slide its invisibility timeout: a batch that runs longer than
/// the timeout (a heavily rate-limited one) is handed to a second worker while the first still sends it. The claims keep that
/// from mailing anyone twice, but both runs would send the batch over two connections and spend each other's rate limit. A
/// lease (Hangfire's distributed lock, which its holder keeps renewing and which expires when the holder dies) lets the later
/// start see that a live worker has the batch.
/// </summary>
/// <remarks>
/// Hangfire.PostgreSql slides the timeout (JobsServiceCollectionExtensions), so a job is fetched again only after its worker
/// died: no lease is taken there, and a dead worker's batch is picked up as soon as before.
/// </remarks>
public sealed class BatchLeases(JobStorage storage, IOptions<SendingOptions> sending)
{
    /// <summary>How long a start that found its batch held waits before it looks again (the holder may die meanwhile).</summary>
    public TimeSpan LookAgainAfter => TimeSpan.FromSeconds(Math.Max(sending.Value.WorkerTimeoutSeconds, 10));

    /// <returns>The lease, to dispose when the run ends; null when a live worker holds the batch.</returns>
    public IDisposable? TryTake(long sendId, int batchNumber)
    {
        if (storage is not SQLiteStorage)
        {
            return new NoLease();
        }
        var connection = storage.GetConnection();
        try
        {
            return new Lease(connection, connection.AcquireDistributedLock($"newsletter:send:{sendId}:batch:{batchNumber}", TimeSpan.Zero));
        }
        catch (DistributedLockTimeoutException)
        {
            connection.Dispose();
            return null;
        }
    }

    private sealed class Lease(IStorageConnection connection, IDisposable handle) : IDisposable
    {
        public void Dispose()
        {
            handle.Dispose();
            connection.Dispose();
        }
    }

    private sealed class NoLease : IDisposable
    {
        public void Dispose()
        {
        }
    }
}
