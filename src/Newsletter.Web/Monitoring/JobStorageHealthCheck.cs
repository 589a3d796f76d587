using Hangfire;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Newsletter.Web.Monitoring;

/// <summary>
/// The <c>jobs</c> check of <c>/healthz</c>: Hangfire's storage answers a query through Hangfire's own API, and, when it is a
/// SQLite file, the file is still there and is the one the storage opened.
/// </summary>
public sealed class JobStorageHealthCheck(JobStorage storage, IOptions<JobStorageHealthOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var storageName = options.Value.Description;
        // Hangfire keeps its SQLite connections open, and an open connection goes on answering from a deleted file.
        if (options.Value.StorageFile is { } file && !File.Exists(file))
        {
            return HealthCheckResult.Unhealthy(
                $"The Hangfire storage file {file} (Newsletter:Jobs:StoragePath) is gone; queued and scheduled jobs are lost at the next restart. " +
                "Restore it, or restart the worker and carry on each unfinished send with `newsletter send ISSUE --list NAME --resume`.");
        }
        if (options.Value is { StorageFile: { } opened, StorageFileIdentity: { } identity } && FileIdentity.Of(opened) is { } now && now != identity)
        {
            return HealthCheckResult.Unhealthy(
                $"The Hangfire storage file {opened} (Newsletter:Jobs:StoragePath) was replaced since the worker opened it (deleted, then " +
                "recreated empty): the queued and scheduled jobs are not in it. Restore the file and restart the worker, or restart it and " +
                "carry on each unfinished send with `newsletter send ISSUE --list NAME --resume`.");
        }
        try
        {
            // Hangfire's monitoring API is synchronous: run it aside so the check's timeout can still answer for it.
            var scheduled = await Task.Run(() => storage.GetMonitoringApi().ScheduledCount(), cancellationToken).WaitAsync(cancellationToken);
            return HealthCheckResult.Healthy($"{storageName} ({scheduled} scheduled jobs)");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Hangfire's storages throw their own drivers' exceptions; any of them means the job store cannot be used.
            return HealthCheckResult.Unhealthy($"Hangfire's storage {storageName} does not answer: {ex.Message.TrimEnd('.')}.");
        }
    }
}
