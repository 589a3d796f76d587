using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newsletter.Core.Monitoring;

namespace Newsletter.Delivery.Bounces;

/// <summary>
/// Runs the <see cref="BounceProcessor"/> every <see cref="BounceOptions.PollSeconds"/> in <c>run</c>, when enabled. It
/// lives beside the rules it runs; the host only decides whether to add it (<c>AddBounceMailboxPoller()</c>).
/// </summary>
public sealed partial class BounceMailboxPoller(BounceProcessor processor, IOptions<BounceOptions> options, NewsletterMetrics metrics,
    TimeProvider clock, ILogger<BounceMailboxPoller> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return;
        }

        LogStarted(settings.User, settings.Host, settings.Folder, settings.PollSeconds);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(settings.PollSeconds), clock);
        do
        {
            try
            {
                await processor.ProcessAsync(stoppingToken);
                metrics.BouncePass(succeeded: true);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                metrics.BouncePass(succeeded: false);
                // The mailbox being down must not stop the worker: sends go on, and the next poll tries again.
                LogPassFailed(settings.PollSeconds, ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Bounce processor: reading {User}@{Host} folder {Folder} every {PollSeconds} s")]
    private partial void LogStarted(string? user, string? host, string folder, int pollSeconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Bounce processor: this pass failed, the next in {PollSeconds} s: {Reason}")]
    private partial void LogPassFailed(int pollSeconds, string reason);
}
