using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Newsletter.Storage;

namespace Newsletter.Worker.Monitoring;

/// <summary>The <c>store</c> check of <c>/healthz</c>: the SQLite file of stories, issues and the delivery log can be opened and read now.</summary>
public sealed class StoreHealthCheck(SqliteDatabase database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var version = await database.ProbeAsync(cancellationToken);
            return HealthCheckResult.Healthy($"{database.Path} (schema version {version})");
        }
        catch (Exception ex) when (ex is SqliteException or InvalidOperationException or IOException)
        {
            return HealthCheckResult.Unhealthy(
                $"Cannot read the store {database.Path} (Newsletter:Store:Path): {ex.Message.TrimEnd('.')}. Restore the file or fix the path, then restart the worker.");
        }
    }
}
