using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Newsletter.Core.Reports;
using Newsletter.Worker.Hosting;

namespace Newsletter.Worker.Cli;

/// <summary><c>newsletter report ISSUE [--json]</c>: what an issue did, per list and per story.</summary>
public static class ReportCommand
{
    public static Command Build()
    {
        var issue = CliArguments.IssueNumber();
        var json = new Option<bool>("--json")
        {
            Description = "Print the report as one JSON object with stable keys (see the README: issue, subject, weekEnding, lists, " +
                          "clicksTracked, clicks, stories, clicksBucketSeconds, clicksOverTime, sentBucketSeconds, sentOverTime).",
        };
        var command = new Command("report",
            "What an issue did: per list, recipients, sent, failed (by reason), deferred, suppressed, the unsubscribes after it and the " +
            "complaints about it; clicks per story, most clicked first; clicks per hour and messages sent over time. Read-only.")
        {
            issue, json,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(new HostSettings(RunJobServer: false), async (services, token) =>
        {
            var report = await services.GetRequiredService<IssueReports>().GetAsync(parse.GetValue(issue), token);
            Console.WriteLine(parse.GetValue(json) ? JsonSerializer.Serialize(ToJson(report), new JsonSerializerOptions { WriteIndented = true }) : ToText(report));
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    /// <summary>The <c>--json</c> shape. Its keys are documented in the README; add keys, never rename or remove one.</summary>
    public static object ToJson(IssueReport report) => new
    {
        issue = report.IssueNumber,
        subject = report.Subject,
        weekEnding = report.WeekEnding.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        lists = report.Lists.Select(l => new
        {
            list = l.ListName,
            state = l.State,
            recipients = l.Recipients,
            sent = l.Sent,
            failed = l.Failed,
            failedByReason = l.FailedByReason.Select(r => new { reason = r.Reason, count = r.Count }),
            deferred = l.Deferred,
            suppressed = l.Suppressed,
            pending = l.Pending,
            unsubscribes = l.Unsubscribes,
            complaints = l.Complaints,
            startedAt = l.StartedAt,
            finishedAt = l.FinishedAt,
        }),
        clicksTracked = report.ClicksTracked,
        clicks = report.TotalClicks,
        stories = report.Stories.Select(s => new { rank = s.Rank, title = s.Title, section = s.Section, slug = s.Slug, clicks = s.Clicks }),
        clicksBucketSeconds = (int)Core.Clicks.ClickCount.BucketLength.TotalSeconds,
        clicksOverTime = report.ClicksOverTime.Select(c => new { at = c.At, clicks = c.Count }),
        sentBucketSeconds = (int)report.SentBucket.TotalSeconds,
        sentOverTime = report.SentOverTime.Select(c => new { at = c.At, sent = c.Count }),
    };

    private static string ToText(IssueReport report)
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Issue #{report.IssueNumber}: {report.Subject} (week ending {report.WeekEnding:yyyy-MM-dd})");
        if (report.Lists.Count == 0)
            text.AppendLine(CultureInfo.InvariantCulture, $"  Not sent to any list yet. `newsletter send {report.IssueNumber} --list NAME` sends it.");
        foreach (var l in report.Lists)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"  {l.ListName} ({l.State}): {l.Recipients:N0} recipients, {l.Sent:N0} sent, {l.Failed:N0} failed, {l.Deferred:N0} deferred, " +
                $"{l.Suppressed:N0} suppressed, {l.Pending:N0} pending; after this issue {l.Unsubscribes:N0} unsubscribed, {l.Complaints:N0} complained");
            foreach (var reason in l.FailedByReason)
                text.AppendLine(CultureInfo.InvariantCulture, $"      failed: {reason.Count:N0} × {reason.Reason}");
        }

        if (!report.ClicksTracked)
        {
            text.AppendLine("Clicks: not counted (the issue went out with Newsletter:Tracking:Clicks off).");
        }
        else
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Clicks per story ({report.TotalClicks:N0} in all):");
            foreach (var s in report.Stories)
                text.AppendLine(CultureInfo.InvariantCulture, $"  {s.Rank,3}. {s.Clicks,6:N0}  {s.Title} ({s.Section})");
            if (report.ClicksOverTime.Count > 0)
            {
                text.AppendLine("Clicks per hour (UTC):");
                foreach (var c in report.ClicksOverTime)
                    text.AppendLine(CultureInfo.InvariantCulture, $"  {c.At:yyyy-MM-dd HH:mm}  {c.Count,6:N0}");
            }
            text.AppendLine(IssueReport.ScannerCaveat);
        }

        if (report.SentOverTime.Count > 0)
        {
            var peak = report.SentOverTime.MaxBy(c => c.Count)!;
            text.AppendLine(CultureInfo.InvariantCulture,
                $"Messages sent from {report.SentOverTime[0].At:yyyy-MM-dd HH:mm} to {report.SentOverTime[^1].At:yyyy-MM-dd HH:mm} UTC, " +
                $"at most {peak.Count:N0} in {report.SentBucket.TotalSeconds:N0} s (from {peak.At:HH:mm:ss}).");
        }
        return text.ToString().TrimEnd();
    }
}
