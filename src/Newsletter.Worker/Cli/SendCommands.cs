using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Errors;
using Newsletter.Delivery.Bounces;
using Newsletter.Delivery.Sending;
using Newsletter.Delivery.Transports;
using Newsletter.OperatorFiles.Lists;
using Newsletter.Worker.Hosting;
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
        var resume = new Option<bool>("--resume")
        {
            Description = "Carry on a paused or interrupted send: resume it if paused, take back deliveries left in flight by a worker that died " +
                          "(resent, and counted as uncertain), and queue the rest.",
        };
        var retryFailed = new Option<bool>("--retry-failed") { Description = "Send again to those whose delivery failed (suppressed addresses stay out)." };
        var command = new Command("send",
            "Record one delivery per subscriber of the list and queue the send. Running it again for the same issue and list " +
            "resumes an unfinished send and never mails anyone twice.")
        {
            issue, list, at, wait, resume, retryFailed,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(new HostSettings(RunJobServer: parse.GetValue(wait), ValidateListsAtStart: true), async (services, token) =>
        {
            var issueNumber = parse.GetValue(issue);
            var target = services.GetRequiredService<MailingListCatalog>().Resolve([parse.GetRequiredValue(list)]).Single();
            var scheduled = await services.GetRequiredService<SendScheduler>().ScheduleAsync(issueNumber, target, parse.GetValue(at), token,
                resume: parse.GetValue(resume), retryFailed: parse.GetValue(retryFailed));
            var send = scheduled.Send;
            if (parse.GetValue(retryFailed))
            {
                Console.WriteLine($"{scheduled.Retried:N0} failed deliveries will be tried again.");
            }
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
                Console.WriteLine(scheduled.ScheduledFor is { } when
                    ? $"Scheduled for {when.ToLocalTime():yyyy-MM-dd HH:mm zzz}; `newsletter run` sends it then. Watch it with `newsletter status {issueNumber}`."
                    : $"Queued. `newsletter run` (or `newsletter send {issueNumber} --list {send.ListName} --wait`) sends it; `newsletter status {issueNumber}` shows progress.");
                return ExitCodes.Success;
            }

            await ConsoleProgress.SendAsync(report => services.GetRequiredService<SendWatcher>().WaitAsync(issueNumber, [send], report, token));
            return await PrintSummaryAsync(services, issueNumber, token);
        }, ct));
        return command;
    }

    /// <summary><c>newsletter pause|resume|cancel ISSUE --list NAME</c>, through <see cref="ISendControl"/> as the /sends page's buttons.</summary>
    public static Command BuildPause() => BuildControl("pause",
        "Pause a send: batches stop before their next message (the one on the wire finishes). `resume ISSUE --list NAME` carries on.",
        async (control, send, token) =>
        {
            await control.PauseAsync(send.Id, "paused by an operator.", token);
            return $"Paused issue #{send.IssueNumber} to '{send.ListName}'. Resume with `newsletter resume {send.IssueNumber} --list {send.ListName}`.";
        });

    public static Command BuildResume() => BuildControl("resume",
        "Resume a paused send (or carry on an interrupted one): take back what a dead worker left in flight and queue the rest; " +
        "a send that had not started waits for its time again. `newsletter run` sends it.",
        async (control, send, token) => await control.ResumeAsync(send.Id, token) is { State: SendState.Scheduled, ScheduledFor: { } at }
            ? $"Resumed issue #{send.IssueNumber} to '{send.ListName}': it waits for {at.ToLocalTime():yyyy-MM-dd HH:mm zzz}, when `newsletter run` sends it."
            : $"Resumed issue #{send.IssueNumber} to '{send.ListName}': queued; `newsletter run` sends it, `newsletter status {send.IssueNumber}` shows progress.");

    public static Command BuildCancel() => BuildControl("cancel",
        "Cancel a send for good: what was not sent yet is marked cancelled and never sent. Messages already sent stay sent.",
        async (control, send, token) =>
            $"Cancelled issue #{send.IssueNumber} to '{send.ListName}': {await control.CancelAsync(send.Id, token):N0} deliveries will not be sent.");

    private static Command BuildControl(string name, string description, Func<ISendControl, Send, CancellationToken, Task<string>> act)
    {
        var issue = CliArguments.IssueNumber();
        var list = new Option<string>("--list") { Description = "The list the send goes to.", Required = true, HelpName = "NAME" };
        var command = new Command(name, description) { issue, list };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(new HostSettings(RunJobServer: false), async (services, token) =>
        {
            var send = await services.GetRequiredService<SendScheduler>().FindAsync(parse.GetValue(issue), parse.GetRequiredValue(list), token);
            Console.WriteLine(await act(services.GetRequiredService<ISendControl>(), send, token));
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    public static Command BuildStatus()
    {
        var issue = CliArguments.IssueNumber();
        var json = new Option<bool>("--json") { Description = "Print the counts and failures as one JSON object (keys: issue, sent, failed, pending, sending, deferred, suppressed, cancelled, uncertain, complaints, complaintRate, total, finished, sends, failures)." };
        var command = new Command("status", "Show who got an issue and who didn't: counts by state per list, and every failure with its reason.")
        {
            issue, json,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(new HostSettings(RunJobServer: false), async (services, token) =>
        {
            var issueNumber = parse.GetValue(issue);
            var log = services.GetRequiredService<IDeliveryProgress>();
            var sends = await ProgressOfAsync(services, issueNumber, token);
            if (parse.GetValue(json))
            {
                var counts = sends.Aggregate(DeliveryCounts.None, (sum, send) => sum + send.Counts);
                var complaints = sends.Sum(s => s.Complaints);
                var failures = await log.ListFailedAsync(issueNumber, token);
                var perSend = sends.Select(p => new
                {
                    list = p.Send.ListName,
                    state = p.PhaseName,
                    pauseReason = p.Send.PauseReason,
                    sent = p.Counts.Sent,
                    failed = p.Counts.Failed,
                    pending = p.Counts.Pending,
                    sending = p.Counts.Sending,
                    deferred = p.Counts.Deferred,
                    suppressed = p.Counts.Suppressed,
                    cancelled = p.Counts.Cancelled,
                    uncertain = p.Counts.Uncertain,
                    complaints = p.Complaints,
                    complaintRate = p.ComplaintRate,
                    nextAttemptAt = p.NextAttemptAt,
                    startedAt = p.Send.StartedAt,
                    finishedAt = p.Send.FinishedAt,
                });
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    issue = issueNumber,
                    sent = counts.Sent,
                    failed = counts.Failed,
                    pending = counts.Pending,
                    sending = counts.Sending,
                    deferred = counts.Deferred,
                    suppressed = counts.Suppressed,
                    cancelled = counts.Cancelled,
                    uncertain = counts.Uncertain,
                    complaints,
                    complaintRate = SendProgress.ComplaintRateOf(complaints, counts.Sent),
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

    /// <summary>Prints counts per list and each failure; returns 1 when anyone failed or anything is left undone.</summary>
    public static async Task<int> PrintSummaryAsync(IServiceProvider services, int issueNumber, CancellationToken cancellationToken)
    {
        var log = services.GetRequiredService<IDeliveryProgress>();
        Console.WriteLine($"Issue #{issueNumber}:");
        var outstanding = 0;
        foreach (var send in await ProgressOfAsync(services, issueNumber, cancellationToken))
        {
            var c = send.Counts;
            outstanding += c.Outstanding;
            Console.WriteLine($"  {send.Send.ListName,-16} {c.Sent,7:N0} sent  {c.Failed,5:N0} failed  {c.Suppressed,5:N0} suppressed  " +
                              $"{c.Pending + c.Sending,7:N0} pending  {c.Deferred,5:N0} deferred   ({send.Describe(TimeZoneInfo.Local)})");
            if (c.Deferred > 0 && send.NextAttemptAt is { } next)
            {
                Console.WriteLine($"  {"",-16} next retry of deferred deliveries at {next.ToLocalTime():yyyy-MM-dd HH:mm:ss zzz}");
            }
            if (c.Sending > 0)
            {
                Console.WriteLine($"  {"",-16} {c.Sending:N0} in flight now");
            }
            if (c.Uncertain > 0)
            {
                Console.WriteLine($"  {"",-16} {c.Uncertain:N0} resent after a crash or a lost reply: the server may have taken the first copy too");
            }
            if (send.Complaints > 0)
            {
                Console.WriteLine($"  {"",-16} {send.Complaints:N0} complaint(s): {SendProgress.Percent(send.ComplaintRate)} of the messages delivered " +
                                  "(feedback-loop reports; the readers are suppressed)");
            }
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
        return failures.Count > 0 || outstanding > 0 ? ExitCodes.PartialFailure : ExitCodes.Success;
    }

    /// <summary>Every send of the issue with its counts: two queries however many lists it went to.</summary>
    private static async Task<IReadOnlyList<SendProgress>> ProgressOfAsync(IServiceProvider services, int issueNumber, CancellationToken cancellationToken) =>
        await services.GetRequiredService<IDeliveryProgress>().GetSendProgressAsync(
            (await services.GetRequiredService<ISendStore>().ListSendsAsync(issueNumber, cancellationToken)).Select(s => s.Id).ToList(), cancellationToken);
}
