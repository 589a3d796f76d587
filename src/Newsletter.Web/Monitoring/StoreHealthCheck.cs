using System.Data.Common;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Newsletter.Storage;

namespace Newsletter.Web.Monitoring;

/// <summary>The <c>store</c> check of <c>/healthz</c>: the database of stories, issues and the delivery log (SQLite file or PostgreSQL) can be opened and read now.</summary>
public sealed class StoreHealthCheck(StoreDatabase database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var version = await database.ProbeAsync(cancellationToken);
            return HealthCheckResult.Healthy($"{database.Description} (schema version {version})");
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException or IOException)
        {
            return HealthCheckResult.Unhealthy(
                $"Cannot read the store {database.Description} (Newsletter:Store): {ex.Message.TrimEnd('.')}. Restore the file or the database, or fix Newsletter:Store, then restart the worker.");
        }
    }
}
