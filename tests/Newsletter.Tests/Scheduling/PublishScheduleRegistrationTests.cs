using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Newsletter.Tests.Support;
using Newsletter.Worker.Hosting;
using Newsletter.Worker.Scheduling;

namespace Newsletter.Tests.Scheduling;

/// <summary>The weekly publish job as the scheduling area keeps it in the real (SQLite) job storage when a host like <c>run</c>'s starts.</summary>
[Collection(HangfireCollection.Name)]
public sealed class PublishScheduleRegistrationTests : IDisposable
{
    private readonly TestEnvironment _environment = new();

    public void Dispose() => _environment.Dispose();

    private async Task<List<RecurringJobDto>> StartAndReadRecurringJobsAsync(bool keepSchedule = true)
    {
        using var host = NewsletterHost.Create(new HostSettings(RunJobServer: false, _environment.Settings, KeepPublishSchedule: keepSchedule));
        // Hangfire logs through a process-wide provider: point it at this host's logging before the storage logs its install.
        host.Services.GetRequiredService<IGlobalConfiguration>();
        await host.StartAsync();
        try
        {
            using var connection = host.Services.GetRequiredService<JobStorage>().GetConnection();
            return connection.GetRecurringJobs();
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task Start_RegistersTheWeeklyJobWithItsCronAndTimeZone_WhenTheScheduleIsEnabled()
    {
        _environment.Settings["Newsletter:Schedule:Cron"] = "30 6 * * 2";
        _environment.Settings["Newsletter:Schedule:TimeZone"] = "Europe/London";

        var job = Assert.Single(await StartAndReadRecurringJobsAsync());

        Assert.Equal((PublishJob.RecurringJobId, "30 6 * * 2", "Europe/London"), (job.Id, job.Cron, job.TimeZoneId));
    }

    [Fact]
    public async Task Start_RemovesTheWeeklyJob_WhenTheScheduleIsTurnedOffAfterItWasRegistered()
    {
        Assert.Single(await StartAndReadRecurringJobsAsync());
        _environment.Settings["Newsletter:Schedule:Enabled"] = "false";

        Assert.Empty(await StartAndReadRecurringJobsAsync());
    }

    [Fact]
    public async Task Start_LeavesTheJobStorageAlone_WhenTheCommandDoesNotKeepTheSchedule()
    {
        Assert.Empty(await StartAndReadRecurringJobsAsync(keepSchedule: false));
    }

    [Fact]
    public async Task Start_RefusesNamingTheKeyTheValueAndAWorkingExample_WhenTheCronIsNotACronExpression()
    {
        _environment.Settings["Newsletter:Schedule:Cron"] = "every monday";
        using var host = NewsletterHost.Create(new HostSettings(RunJobServer: false, _environment.Settings, KeepPublishSchedule: true));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        var message = Assert.Single(error.Failures);
        Assert.StartsWith("Newsletter:Schedule:Cron 'every monday' is not a cron expression", message);
        Assert.Contains("\"0 7 * * 1\" for Mondays at 07:00", message);
    }
}
