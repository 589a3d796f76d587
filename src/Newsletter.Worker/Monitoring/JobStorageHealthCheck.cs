using Hangfire;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Newsletter.Worker.Hosting;

namespace Newsletter.Worker.Monitoring;

/// <summary>The <c>jobs</c> check of <c>/healthz</c>: Hangfire's storage file is still there and answers a query through Hangfire's own API.</summary>
public sealed class JobStorageHealthCheck(JobStorage storage, IOptions<JobsOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var path = Path.GetFullPath(options.Value.StoragePath);
        // Hangfire keeps its SQLite connections open, and an open connection goes on answering from a deleted file.
        if (!File.Exists(path))
        {
            return HealthCheckResult.Unhealthy(
                $"The Hangfire storage file {path} (Newsletter:Jobs:StoragePath) is gone; queued and scheduled jobs are lost at the next restart. " +
                "Restore it, or restart the worker and carry on each unfinished send with `newsletter send ISSUE --list NAME --resume`.");
        }
        try
        {
            // Hangfire's monitoring API is synchronous: run it aside so the check's timeout can still answer for it.
            var scheduled = await Task.Run(() => storage.GetMonitoringApi().ScheduledCount(), cancellationToken).WaitAsync(cancellationToken);
            return HealthCheckResult.Healthy($"{path} ({scheduled} scheduled jobs)");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Hangfire's storages throw their own drivers' exceptions; any of them means the job store cannot be used.
            return HealthCheckResult.Unhealthy($"Hangfire's storage {path} (Newsletter:Jobs:StoragePath) does not answer: {ex.Message.TrimEnd('.')}.");
        }
    }
}
