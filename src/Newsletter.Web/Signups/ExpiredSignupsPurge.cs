using Microsoft.Extensions.Hosting;
using Newsletter.Core.Signups;

namespace Newsletter.Web.Signups;

/// <summary>
/// Deletes the signups whose confirmation link expired, every hour while <c>run</c> runs: nothing is kept about a signup that
/// was never confirmed. (Each new signup also deletes the expired ones first.)
/// </summary>
public sealed partial class ExpiredSignupsPurge(ISignupStore store, TimeProvider clock, ILogger<ExpiredSignupsPurge> logger) : BackgroundService
{
    private static readonly TimeSpan Every = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var purged = await store.PurgeExpiredAsync(stoppingToken);
                if (purged > 0) LogPurged(purged);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The store is down for a moment: the next pass (or the next signup) deletes them.
                LogFailed(ex);
            }
            await Task.Delay(Every, clock, stoppingToken);
        }
    }

    [LoggerMessage(EventId = 5405, Level = LogLevel.Information, Message = "Deleted {Count} signups whose confirmation link expired")]
    private partial void LogPurged(int count);

    [LoggerMessage(EventId = 5406, Level = LogLevel.Warning, Message = "Could not delete expired signups this hour")]
    private partial void LogFailed(Exception exception);
}
