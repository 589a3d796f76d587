using System.CommandLine;
using Hangfire;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using Newsletter.Hosting.Configuration;
using Newsletter.Storage;
using Newsletter.Worker.Hosting;
using Newsletter.Worker.Scheduling;

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
            WebApplication? app = null;
            StoreDatabase? database = null;
            try
            {
                app = NewsletterWebApp.Build(new HostSettings(RunJobServer: true, ValidateListsAtStart: true, RunBounceProcessor: true, KeepPublishSchedule: true));
                // Validated here, before StartAsync, which would also log each failure with a stack trace.
                app.Services.GetService<IStartupValidator>()?.Validate();
                // Opened before anything starts, as in every other command (see CommandRunner).
                database = app.Services.GetRequiredService<StoreDatabase>();
                await database.InitializeAsync(ct);
                _ = app.Services.GetRequiredService<JobStorage>();

                // Starting registers the weekly publish job (PublishScheduleRegistration), refusing a cron Hangfire cannot read.
                try
                {
                    await app.StartAsync(ct);
                }
                catch
                {
                    // What did start (the job server, heartbeats, the lists reloader) is stopped, not just disposed: disposing
                    // cancels each mid-run, and each would log its cancellation as a failure with a stack trace after the error line.
                    await app.StopAsync(CancellationToken.None);
                    throw;
                }
                var schedule = app.Services.GetRequiredService<IOptions<ScheduleOptions>>().Value;
                var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Newsletter.Worker");
                logger.LogInformation("Worker running on {Urls}: /sends, /hangfire, /issues, /signup, /unsubscribe, /metrics, /healthz. Weekly publish: {Schedule}",
                    string.Join(", ", app.Urls), schedule.Enabled ? $"'{schedule.Cron}' ({schedule.TimeZone})" : "off");
                await app.WaitForShutdownAsync(ct);
                return ExitCodes.Success;
            }
            catch (IOException ex) when (ex.InnerException is AddressInUseException && app is not null)
            {
                // Kestrel's message names the address ("Failed to bind to address http://127.0.0.1:5080: address already in use.").
                var key = WebOptions.SectionName + ":Urls";
                Console.Error.WriteLine($"error: {ex.Message.TrimEnd('.')} ({ConfigurationKeySource.Describe(app.Configuration, key)}). " +
                                        $"Another process is listening there: stop it, or give {key} another port.");
                return ExitCodes.UsageOrConfig;
            }
            catch (Exception ex) when (CommandRunner.ExitCodeFor(ex, app?.Services, database, ct) is { } exitCode)
            {
                return exitCode;
            }
            finally
            {
                if (app is not null) await app.DisposeAsync();
            }
        });
        return command;
    }
}
