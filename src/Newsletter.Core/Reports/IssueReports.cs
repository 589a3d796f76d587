using System.Text.RegularExpressions;
using Newsletter.Core.Clicks;
using Newsletter.Core.Composition;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Errors;

namespace Newsletter.Core.Reports;

/// <summary>Puts together an <see cref="IssueReport"/> from the stores, for <c>newsletter report</c> and the report page alike.</summary>
public sealed partial class IssueReports(IIssueStore issues, ISendStore sends, IDeliveryProgress progress, IIssueActivity activity, IClickStore clicks)
{
    /// <exception cref="IssueNotFoundException">There is no such issue.</exception>
    public async Task<IssueReport> GetAsync(int issueNumber, CancellationToken cancellationToken)
    {
        var issue = await issues.GetAsync(issueNumber, cancellationToken) ?? throw new IssueNotFoundException(issueNumber);
        var sendList = await sends.ListSendsAsync(issueNumber, cancellationToken);
        var sendProgress = await progress.GetSendProgressAsync(sendList.Select(s => s.Id).ToList(), cancellationToken);
        var failures = await activity.FailuresAsync(issueNumber, cancellationToken);
        var unsubscribes = (await activity.UnsubscribesAsync(issueNumber, cancellationToken)).ToDictionary(l => l.ListName, StringComparer.Ordinal);

        var lists = sendProgress.Select(p =>
        {
            var c = p.Counts;
            var left = unsubscribes.GetValueOrDefault(p.Send.ListName);
            var reasons = failures.Where(f => f.ListName == p.Send.ListName)
                .GroupBy(f => ReasonOf(f.Reason))
                .Select(g => new ReasonCount(g.Key, g.Count()))
                .OrderByDescending(r => r.Count).ThenBy(r => r.Reason, StringComparer.Ordinal)
                .ToList();
            return new ListReport(p.Send.ListName, p.PhaseName, c.Total, c.Sent, c.Failed, reasons, c.Deferred, c.Suppressed,
                c.Pending + c.Sending, left?.Unsubscribes ?? 0, p.Complaints, p.Send.StartedAt, p.Send.FinishedAt);
        }).ToList();

        var links = await clicks.ListLinksAsync(issueNumber, cancellationToken);
        var counts = await clicks.ListClicksAsync(issueNumber, cancellationToken);
        var perLink = counts.GroupBy(c => c.LinkId).ToDictionary(g => g.Key, g => g.Sum(c => c.Clicks));
        var stories = links.GroupBy(l => l.StorySlug)
            .Select((g, order) => (Order: order, First: g.First(), Clicks: g.Sum(l => perLink.GetValueOrDefault(l.LinkId))))
            .OrderByDescending(s => s.Clicks).ThenBy(s => s.Order)
            .Select((s, i) => new StoryClicks(i + 1, s.First.StoryTitle, s.First.Section, s.First.StorySlug, s.Clicks))
            .ToList();
        var clicksPerHour = counts.GroupBy(c => c.Bucket).Select(g => new TimeCount(g.Key, g.Sum(c => c.Clicks))).ToList();

        var sentPerSecond = await activity.SentPerSecondAsync(issueNumber, cancellationToken);
        var sentBucket = SentBucketFor(sentPerSecond);
        var sent = sentPerSecond.GroupBy(c => Floor(c.At, sentBucket)).Select(g => new TimeCount(g.Key, g.Sum(c => c.Count))).ToList();
        return new IssueReport(issue.Number, issue.Subject, issue.WeekEnding, lists, links.Count > 0, stories,
            Contiguous(clicksPerHour, ClickCount.BucketLength), Contiguous(sent, sentBucket), sentBucket);
    }

    private static readonly TimeSpan[] SentBuckets =
        [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(10), TimeSpan.FromHours(1)];

    private static TimeSpan SentBucketFor(IReadOnlyList<TimeCount> perSecond)
    {
        if (perSecond.Count == 0) return TimeSpan.FromMinutes(1);
        var span = perSecond[^1].At - perSecond[0].At;
        return SentBuckets.FirstOrDefault(b => span / b < 60, SentBuckets[^1]);
    }

    private static DateTimeOffset Floor(DateTimeOffset at, TimeSpan bucket) => new(at.UtcTicks - at.UtcTicks % bucket.Ticks, TimeSpan.Zero);

    /// <summary>
    /// A failure's reason as the report groups it: the SMTP reply code and enhanced status when the reason has them
    /// ("550 5.1.1"), "gave up retrying", "could not build the message", or else the reason itself, shortened.
    /// </summary>
    public static string ReasonOf(string? detail)
    {
        if (string.IsNullOrWhiteSpace(detail)) return "unknown";
        if (detail.StartsWith("could not build", StringComparison.Ordinal)) return "could not build the message";
        var retried = detail.StartsWith("gave up after", StringComparison.Ordinal);
        if (ReplyCode().Match(detail) is { Success: true } reply)
            return (retried ? "gave up retrying: " : "") + reply.Value.Trim();
        if (retried) return "gave up retrying";
        var oneLine = detail.ReplaceLineEndings(" ").Trim();
        return oneLine.Length <= 80 ? oneLine : oneLine[..79] + "…";
    }

    /// <summary>Every bucket from the first to the last, with zeroes where nothing happened: a time axis without gaps.</summary>
    private static IReadOnlyList<TimeCount> Contiguous(IReadOnlyList<TimeCount> counts, TimeSpan step)
    {
        if (counts.Count == 0) return counts;
        var byTime = counts.ToDictionary(c => c.At);
        var filled = new List<TimeCount>();
        // Bounded: a chart of more than a month of hours or a day of minutes is not drawn bucket by bucket.
        for (var at = counts.Min(c => c.At); at <= counts.Max(c => c.At) && filled.Count < 2000; at += step)
        {
            filled.Add(byTime.GetValueOrDefault(at) ?? new TimeCount(at, 0));
        }
        return filled;
    }

    [GeneratedRegex(@"\b[45]\d\d(?:[ -][245]\.\d{1,3}\.\d{1,3})?(?=\s|$|:)")]
    private static partial Regex ReplyCode();
}
