using Hangfire;
using Microsoft.Extensions.Options;

namespace Newsletter.Worker.Scheduling;

/// <summary>
/// Makes the job storage's weekly <see cref="PublishJob"/> match <see cref="ScheduleOptions"/> when the host starts: registered
/// (or updated) with its cron and time zone when enabled, removed when not, so a schedule turned off in appsettings.json does
/// not keep firing from the job database. Only <c>run</c> keeps the schedule; other commands leave it as they find it.
/// </summary>
public sealed partial class PublishScheduleRegistration(
    IRecurringJobManager recurringJobs, IOptions<ScheduleOptions> options, ILogger<PublishScheduleRegistration> logger) : IHostedService
{
    /// <exception cref="OptionsValidationException">The cron expression is not one Hangfire reads; the message names the key and shows one that works.</exception>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var schedule = options.Value;
        if (!schedule.Enabled)
        {
            recurringJobs.RemoveIfExists(PublishJob.RecurringJobId);
            LogOff(ScheduleOptions.SectionName);
            return Task.CompletedTask;
        }

        try
        {
            recurringJobs.AddOrUpdate<PublishJob>(PublishJob.RecurringJobId, job => job.RunAsync(CancellationToken.None), schedule.Cron,
                new RecurringJobOptions { TimeZone = TimeZoneInfo.FindSystemTimeZoneById(schedule.TimeZone) });
        }
        catch (ArgumentException ex)
        {
            // Only Hangfire can parse its cron dialect, so the check happens here rather than in ScheduleOptionsValidator, reported
            // as the configuration error it is. Hangfire's own message only points at its inner exception, which says what is wrong.
            throw new OptionsValidationException(ScheduleOptions.SectionName, typeof(ScheduleOptions),
            [
                $"{ScheduleOptions.SectionName}:Cron '{schedule.Cron}' is not a cron expression ({(ex.InnerException ?? ex).Message.TrimEnd('.')}). " +
                "Write five fields, e.g. \"0 7 * * 1\" for Mondays at 07:00.",
            ]);
        }
        LogScheduled(schedule.Cron, schedule.TimeZone);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Weekly publish scheduled: '{Cron}' ({TimeZone})")]
    private partial void LogScheduled(string cron, string timeZone);

    [LoggerMessage(Level = LogLevel.Information, Message = "Weekly publish off ({Section}:Enabled is false); any earlier schedule removed")]
    private partial void LogOff(string section);
}
