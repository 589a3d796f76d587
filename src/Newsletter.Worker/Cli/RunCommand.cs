using System.CommandLine;
using Hangfire;
using Microsoft.Extensions.Options;
using Newsletter.Worker.Hosting;
using Newsletter.Worker.Scheduling;
using Newsletter.Worker.Web;

namespace Newsletter.Worker.Cli;

/// <summary><c>newsletter run</c>: the long-running worker.</summary>
public static class RunCommand
{
    public static Command Build()
    {
        var command = new Command("run",
            "Run the worker: a Hangfire job server that sends queued and scheduled sends, the weekly publish job " +
            "(Newsletter:Schedule), the unsubscribe and issue archive pages, and the operator pages /sends and /hangfire " +
            "(Newsletter:Web:Urls, 127.0.0.1 only by default; Newsletter:Web:Dashboard for remote operators). Lists are re-read when " +
            "appsettings.json or their CSV files change. Stop it with Ctrl+C.");
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                await using var app = NewsletterWebApp.Build(new HostSettings(RunJobServer: true, RunBounceProcessor: true));

                var schedule = app.Services.GetRequiredService<IOptions<ScheduleOptions>>().Value;
                var recurring = app.Services.GetRequiredService<IRecurringJobManager>();
                if (schedule.Enabled)
                {
                    try
                    {
                        recurring.AddOrUpdate<PublishJob>(PublishJob.RecurringJobId, job => job.RunAsync(CancellationToken.None), schedule.Cron,
                            new RecurringJobOptions { TimeZone = TimeZoneInfo.FindSystemTimeZoneById(schedule.TimeZone) });
                    }
                    catch (ArgumentException ex)
                    {
                        throw new CommandException($"{ScheduleOptions.SectionName}:Cron '{schedule.Cron}' is not a cron expression ({ex.Message}). " +
                                                   "Write five fields, e.g. \"0 7 * * 1\" for Mondays at 07:00.");
                    }
                }
                else
                {
                    recurring.RemoveIfExists(PublishJob.RecurringJobId);
                }

                await app.StartAsync(ct);
                var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Newsletter.Worker");
                logger.LogInformation("Worker running on {Urls}: /sends, /hangfire, /issues, /unsubscribe, /metrics, /healthz. Weekly publish: {Schedule}",
                    string.Join(", ", app.Urls), schedule.Enabled ? $"'{schedule.Cron}' ({schedule.TimeZone})" : "off");
                await app.WaitForShutdownAsync(ct);
                return ExitCodes.Success;
            }
            catch (OptionsValidationException ex)
            {
                Console.Error.WriteLine("error: the configuration is not valid:");
                foreach (var failure in ex.Failures) Console.Error.WriteLine($"  {failure}");
                return ExitCodes.UsageOrConfig;
            }
            catch (CommandException ex)
            {
                Console.Error.WriteLine($"error: {ex.Message}");
                return ex.ExitCode;
            }
        });
        return command;
    }
}
