using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Newsletter.Core.Deliveries;
using Newsletter.Delivery.Transports;
using Newsletter.Worker.Hosting;
using Newsletter.Worker.Lists;
using Newsletter.Worker.Sending;

namespace Newsletter.Worker.Cli;

/// <summary><c>newsletter send</c> and <c>newsletter status</c>.</summary>
public static class SendCommands
{
    public static Command BuildSend()
    {
        var issue = CliArguments.IssueNumber();
        var list = new Option<string>("--list") { Description = "The list to send to (a key under Newsletter:Lists).", Required = true, HelpName = "NAME" };
        var at = new Option<DateTimeOffset?>("--at")
        {
            Description = "Send later, at this time (ISO 8601, e.g. 2026-04-06T07:00+01:00; without an offset, the machine's local time). " +
                          "`newsletter run` must be up then to send it.",
            HelpName = "TIME",
            CustomParser = result =>
            {
                var text = result.Tokens.Single().Value;
                if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var when)) return when;
                result.AddError($"--at '{text}' is not a time; write it as 2026-04-06T07:00 or 2026-04-06T07:00+01:00.");
                return null;
            },
        };
        var wait = new Option<bool>("--wait") { Description = "Run the job server in this process, show progress, and return when the send is done (exit code 1 if any recipient failed)." };
        var command = new Command("send",
            "Record one delivery per subscriber of the list and queue the send. Running it again for the same issue and list " +
            "resumes an unfinished send and never mails anyone twice.")
        {
            issue, list, at, wait,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(new HostSettings(RunJobServer: parse.GetValue(wait)), async (services, token) =>
        {
            var issueNumber = parse.GetValue(issue);
            var target = services.GetRequiredService<MailingListCatalog>().Resolve([parse.GetRequiredValue(list)]).Single();
            var scheduled = await services.GetRequiredService<SendScheduler>().ScheduleAsync(issueNumber, target, parse.GetValue(at), token);
            var send = scheduled.Send;
            if (scheduled.AlreadyFinished)
            {
                Console.WriteLine($"Issue #{issueNumber} was already sent to list '{send.ListName}'. Nothing to do.");
                return await PrintSummaryAsync(services, issueNumber, token);
            }

            Console.WriteLine(scheduled.IsNew
                ? $"Issue #{issueNumber} to list '{send.ListName}': {send.RecipientCount:N0} recipients in {send.BatchCount:N0} batches."
                : $"Issue #{issueNumber} to list '{send.ListName}': resuming the unfinished send of {send.RecipientCount:N0} recipients.");
            if (!parse.GetValue(wait))
            {
                Console.WriteLine(parse.GetValue(at) is { } when
                    ? $"Scheduled for {when:yyyy-MM-dd HH:mm zzz}; `newsletter run` sends it then. Watch it with `newsletter status {issueNumber}`."
                    : $"Queued. `newsletter run` (or `newsletter send {issueNumber} --list {send.ListName} --wait`) sends it; `newsletter status {issueNumber}` shows progress.");
                return ExitCodes.Success;
            }

            var progress = ProgressLine.ForConsole();
            await services.GetRequiredService<SendWatcher>().WaitAsync(issueNumber, [send], progress.Report, token);
            return await PrintSummaryAsync(services, issueNumber, token);
        }, ct));
        return command;
    }

    public static Command BuildStatus()
    {
        var issue = CliArguments.IssueNumber();
        var json = new Option<bool>("--json") { Description = "Print the counts and failures as one JSON object (keys: issue, sent, failed, pending, sending, total, finished, sends, failures)." };
        var command = new Command("status", "Show who got an issue and who didn't: counts by state per list, and every failure with its reason.")
        {
            issue, json,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(new HostSettings(RunJobServer: false), async (services, token) =>
        {
            var issueNumber = parse.GetValue(issue);
            var log = services.GetRequiredService<IDeliveryLog>();
            var sends = await log.ListSendsAsync(issueNumber, token);
            var counts = await log.CountAsync(issueNumber, null, token);
            var failures = await log.ListFailedAsync(issueNumber, token);
            if (parse.GetValue(json))
            {
                var perSend = new List<object>();
                foreach (var send in sends)
                {
                    var c = await log.CountAsync(issueNumber, send.Id, token);
                    perSend.Add(new { list = send.ListName, state = send.State.ToString().ToLowerInvariant(), sent = c.Sent, failed = c.Failed, pending = c.Pending, sending = c.Sending, startedAt = send.StartedAt, finishedAt = send.FinishedAt });
                }
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    issue = issueNumber,
                    sent = counts.Sent,
                    failed = counts.Failed,
                    pending = counts.Pending,
                    sending = counts.Sending,
                    total = counts.Total,
                    finished = sends.Count > 0 && counts.IsComplete,
                    sends = perSend,
                    failures = failures.Select(f => new { email = f.Email, reason = f.Detail, at = f.UpdatedAt }),
                }, new JsonSerializerOptions { WriteIndented = true }));
                return ExitCodes.Success;
            }

            if (sends.Count == 0)
            {
                Console.WriteLine($"Issue #{issueNumber} has not been sent to any list. `newsletter send {issueNumber} --list NAME` sends it.");
                return ExitCodes.Success;
            }
            return await PrintSummaryAsync(services, issueNumber, token);
        }, ct));
        return command;
    }

    /// <summary>Prints counts per list and each failure; returns 1 when anyone failed.</summary>
    public static async Task<int> PrintSummaryAsync(IServiceProvider services, int issueNumber, CancellationToken cancellationToken)
    {
        var log = services.GetRequiredService<IDeliveryLog>();
        Console.WriteLine($"Issue #{issueNumber}:");
        foreach (var send in await log.ListSendsAsync(issueNumber, cancellationToken))
        {
            var c = await log.CountAsync(issueNumber, send.Id, cancellationToken);
            var state = c.IsComplete ? "finished" : send.State == SendState.Scheduled && send.ScheduledFor is { } at ? $"scheduled for {at:yyyy-MM-dd HH:mm zzz}" : "in progress";
            Console.WriteLine($"  {send.ListName,-16} {c.Sent,7:N0} sent  {c.Failed,5:N0} failed  {c.Pending + c.Sending,7:N0} pending   ({state})");
        }

        var failures = await log.ListFailedAsync(issueNumber, cancellationToken);
        if (failures.Count > 0)
        {
            Console.WriteLine("Failed:");
            foreach (var failure in failures)
            {
                Console.WriteLine($"  {failure.Email}: {failure.Detail}");
            }
        }

        Console.WriteLine($"Messages went to {services.GetRequiredService<IMailTransport>().Describe()}.");
        return failures.Count > 0 ? ExitCodes.PartialFailure : ExitCodes.Success;
    }
}
