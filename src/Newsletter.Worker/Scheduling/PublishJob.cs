using Hangfire;
using Microsoft.Extensions.Options;
using Newsletter.Core.Composition;
using Newsletter.Worker.Publishing;

namespace Newsletter.Worker.Scheduling;

/// <summary>The recurring weekly job: publishes the issue of the week that ends today, in the schedule's time zone.</summary>
[AutomaticRetry(Attempts = 2, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
public sealed partial class PublishJob(IssuePublisher publisher, IOptions<ScheduleOptions> schedule, TimeProvider clock, ILogger<PublishJob> logger)
{
    public const string RecurringJobId = "weekly-publish";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var today = ScheduleCalendar.Today(schedule.Value, clock);
        try
        {
            await publisher.PublishAsync(today, schedule.Value.Lists, message => LogProgress(message), cancellationToken);
        }
        catch (EmptyWeekException ex)
        {
            // Nothing to send is not a job failure worth retrying; say so once and stop.
            LogNothingToPublish(today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Weekly publish: {Message}")]
    private partial void LogProgress(string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Weekly publish for the week ending {WeekEnding} skipped: {Reason}")]
    private partial void LogNothingToPublish(string weekEnding, string reason);
}
