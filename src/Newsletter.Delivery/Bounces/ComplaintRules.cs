using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using Newsletter.Core.Bounces;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;
using Newsletter.Core.Monitoring;

namespace Newsletter.Delivery.Bounces;

/// <summary>
/// The complaint rules, for a feedback-loop report (ARF) found in the bounce mailbox: find the delivery it is about, suppress
/// that reader on every list (reason <see cref="SuppressionReason.Complaint"/>), count the complaint against the delivery's
/// send, and pause that send when it is running and its complaint rate is above the <see cref="ComplaintCeiling"/>.
/// </summary>
/// <remarks>
/// A report is matched, in this order of preference:
/// <list type="number">
/// <item>the Message-ID of the reported message, which names the exact delivery;</item>
/// <item>an address it was sent to: the reader folded into a VERP envelope sender, the report's <c>Original-Rcpt-To</c>, then
/// the original's <c>To</c>. The issue is the one its <c>Feedback-ID</c> names when it has ours (a complaint about last week's
/// issue counts against last week's send), else the last one sent to the address.</item>
/// </list>
/// Only <c>Feedback-Type: abuse</c> is a complaint; other types (fraud, virus, auth-failure, …) go to a person. Everything is
/// keyed by address and delivery, so reading a report twice suppresses and counts nothing twice.
/// </remarks>
public sealed partial class ComplaintRules(
    IOptions<BounceOptions> options,
    SentMessageMatcher matcher,
    ISuppressionList suppressions,
    IBounceStore bounceStore,
    IDeliveryProgress progress,
    ISendStore sends,
    NewsletterMetrics metrics,
    ILogger<ComplaintRules> logger)
{
    /// <summary>Applies the rules to one feedback report; the caller sets the message aside as the outcome says.</summary>
    public async Task<BounceOutcome> HandleAsync(uint uid, MimeMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var subject = message.Subject;
        if (!FeedbackReportParser.TryParse(message, out var report, out var problem))
        {
            return new BounceOutcome(uid, subject, BounceOutcomeKind.Unrecognised, null, null, null, null, problem, "");
        }
        if (!report.IsComplaint)
        {
            return new BounceOutcome(uid, subject, BounceOutcomeKind.Unrecognised, null, null, null, report.FeedbackType,
                $"a feedback report of type '{report.FeedbackType}', not a reader's complaint (Feedback-Type: abuse)", "");
        }

        var match = await MatchAsync(report, cancellationToken);
        if (match is null)
        {
            var ids = report.OriginalMessageIds.Count == 0 ? "no Message-ID" : "Message-ID " + string.Join(", ", report.OriginalMessageIds);
            var addresses = report.Recipients.Count == 0 ? "no recipient address (redacted?)" : string.Join(", ", report.Recipients.Select(r => $"{r.Field} {r.Address}"));
            return new BounceOutcome(uid, subject, BounceOutcomeKind.ComplaintUnmatched, report.Recipients.FirstOrDefault().Address, report.FeedbackIdIssueNumber,
                null, report.FeedbackType, $"{ids}; {addresses}; from {report.UserAgent ?? "an unnamed feedback loop"}", "");
        }

        var (delivery, matchedBy) = match.Value;
        await suppressions.AddAsync(delivery.Email, listName: null, SuppressionReason.Complaint,
            $"reported issue #{delivery.IssueNumber} to '{delivery.ListName}' as spam ({report.UserAgent ?? "feedback loop"})", cancellationToken);
        if (await bounceStore.RecordComplaintAsync(delivery.DeliveryId, delivery.SendId, cancellationToken))
        {
            metrics.Complained(delivery.ListName);
            // Judged only when a complaint is new: a send an operator resumed is paused again by the next complaint, not by
            // a provider's duplicate report of an old one.
            await EnforceCeilingAsync(delivery.SendId, cancellationToken);
        }
        return new BounceOutcome(uid, subject, BounceOutcomeKind.Complaint, delivery.Email, delivery.IssueNumber, matchedBy, report.FeedbackType,
            report.UserAgent, "", delivery.ListName);
    }

    private async Task<(SentDelivery Delivery, string MatchedBy)?> MatchAsync(FeedbackReport report, CancellationToken cancellationToken)
    {
        if (await matcher.ByMessageIdAsync(report.OriginalMessageIds, cancellationToken) is { } byId)
        {
            return (byId, "Message-ID");
        }

        foreach (var (address, field) in report.Recipients)
        {
            if (await matcher.ByAddressAsync(address, report.FeedbackIdIssueNumber, cancellationToken) is { } sent)
            {
                return (sent, report.FeedbackIdIssueNumber is null ? field : field + " + Feedback-ID");
            }
        }
        return null;
    }

    private async Task EnforceCeilingAsync(long sendId, CancellationToken cancellationToken)
    {
        var ceiling = options.Value.GetComplaintCeiling();
        var send = (await progress.GetSendProgressAsync([sendId], cancellationToken)).SingleOrDefault();
        if (send is null || send.Send.State != SendState.Running || !send.CanPause || !ceiling.IsExceeded(send.Complaints, send.Counts.Sent))
        {
            return;
        }

        var (issue, list) = (send.Send.IssueNumber, send.Send.ListName);
        var reason = $"{send.Complaints} complaints from {send.Counts.Sent.ToString("N0", CultureInfo.InvariantCulture)} messages delivered ({SendProgress.Percent(send.ComplaintRate)}) " +
                     $"are above the complaint ceiling of {SendProgress.Percent(ceiling.Rate)} ({BounceOptions.SectionName}:ComplaintRateCeiling): " +
                     $"mailbox providers junk or refuse mail from senders above it. The complainants are suppressed. Check how this list's readers " +
                     $"signed up and what they were sent (`newsletter status {issue}`), then resume with `newsletter send {issue} --list {list} --resume` " +
                     "or cancel the send.";
        if (await sends.PauseSendAsync(sendId, reason, cancellationToken))
        {
            LogPaused(issue, list, reason);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Send of issue #{IssueNumber} to {List} paused: {Reason}")]
    private partial void LogPaused(int issueNumber, string list, string reason);
}
