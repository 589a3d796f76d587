using System.CommandLine;
using Microsoft.Extensions.Options;
using Newsletter.Core.Deliveries;
using Newsletter.Delivery.Transports;
using Newsletter.Worker.Hosting;
using Newsletter.Worker.Publishing;
using Newsletter.Worker.Scheduling;
using Newsletter.Worker.Sending;

namespace Newsletter.Worker.Cli;

/// <summary><c>newsletter publish</c>: the weekly job, by hand.</summary>
public static class PublishCommand
{
    public static Command Build()
    {
        var date = CliArguments.WeekEnding("The last day of the week to publish (default: today, in Newsletter:Schedule:TimeZone).");
        var lists = new Option<string[]>("--list") { Description = "Send only to this list (repeatable; default: every configured list).", HelpName = "NAME" };
        var command = new Command("publish",
            "The weekly job in one command: import the stories folder, compose the week's issue (or reuse it), " +
            "send it to the lists, wait for the send to finish and print a summary. Safe to run again: nobody gets the issue twice.")
        {
            date, lists,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(new HostSettings(RunJobServer: true, ValidateListsAtStart: true), async (services, token) =>
        {
            var schedule = services.GetRequiredService<IOptions<ScheduleOptions>>().Value;
            var weekEnding = parse.GetValue(date) ?? ScheduleCalendar.Today(schedule, services.GetRequiredService<TimeProvider>());
            var publisher = services.GetRequiredService<IssuePublisher>();
            var published = await publisher.PublishAsync(weekEnding, parse.GetValue(lists) ?? [], Console.WriteLine, token);

            foreach (var done in published.Sends.Where(s => s.AlreadyFinished))
            {
                Console.WriteLine($"List '{done.Send.ListName}' already received issue #{published.Issue.Number}; skipped.");
            }
            var running = published.Sends.Where(s => !s.AlreadyFinished).Select(s => s.Send).ToList();
            if (running.Count > 0)
            {
                Console.WriteLine($"Sending issue #{published.Issue.Number} to {running.Sum(s => s.RecipientCount):N0} recipients on {running.Count} list(s)…");
                await ConsoleProgress.SendAsync(report => services.GetRequiredService<SendWatcher>().WaitAsync(published.Issue.Number, running, report, token));
            }

            return await SendCommands.PrintSummaryAsync(services, published.Issue.Number, token);
        }, ct));
        return command;
    }
}
