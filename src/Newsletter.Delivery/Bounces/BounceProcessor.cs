using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using Newsletter.Core.Bounces;
using Newsletter.Core.Lists;
using Newsletter.Core.Monitoring;

namespace Newsletter.Delivery.Bounces;

/// <summary>
/// The bounce rules, one pass over the <see cref="IBounceMailbox"/>: reads each delivery status notification, matches it to the
/// subscriber it bounced for, suppresses hard bounces and counts soft ones; hands each feedback-loop report (ARF) to the
/// <see cref="ComplaintRules"/>; then sets the message aside (mail it cannot read, and complaints about nobody we sent to, go
/// to a person). Running it twice, even at once, suppresses and counts nothing twice.
/// </summary>
/// <remarks>
/// A notification is matched, in this order of preference:
/// <list type="number">
/// <item>the Message-ID of the returned message (or its headers), which names the exact delivery, so the address and the issue;</item>
/// <item>the VERP address it was sent to (<c>bounces+alice=example.com@…</c>), which names the address; the issue is the last one sent to it;</item>
/// <item>the report's Original-Recipient, then Final-Recipient, when we sent to that address (a forwarding server may have
/// rewritten Final-Recipient, which is why it comes last).</item>
/// </list>
/// The effects are recorded before the message is set aside: a crash between the two leaves the message to be read again,
/// and reading it again changes nothing (suppressions and soft-bounce counts are keyed by address and issue).
/// </remarks>
public sealed partial class BounceProcessor(
    IBounceMailbox mailbox,
    IOptions<BounceOptions> options,
    SentMessageMatcher matcher,
    ISuppressionList suppressions,
    IBounceStore bounceStore,
    ComplaintRules complaints,
    NewsletterMetrics metrics,
    ILogger<BounceProcessor> logger)
{
    private const int MaxDetailLength = 500;

    /// <summary>Reads every message waiting in the mailbox and handles it.</summary>
    /// <exception cref="BounceMailboxException">The server cannot be reached, the login is refused, or the folder does not exist.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; messages handled so far are already set aside.</exception>
    public async Task<BounceProcessingReport> ProcessAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await using var session = await mailbox.OpenAsync(cancellationToken);
        var waiting = await session.FindWaitingAsync(cancellationToken);
        var outcomes = new List<BounceOutcome>(waiting.Count);
        foreach (var id in waiting)
        {
            (MimeMessage? message, string? readProblem) = await ReadAsync(session, id, cancellationToken);
            var outcome = message is null
                ? new BounceOutcome(id, null, BounceOutcomeKind.Unrecognised, null, null, null, null, readProblem, "")
                : await HandleAsync(id, message, settings, cancellationToken);

            var setAside = await session.SetAsideAsync(id,
                outcome.Kind is BounceOutcomeKind.Unrecognised or BounceOutcomeKind.ComplaintUnmatched ? BounceDisposition.ForAPerson : BounceDisposition.Handled,
                cancellationToken);
            outcome = outcome with { SetAside = setAside };
            Log(outcome, message);
            metrics.BounceProcessed(outcome.Kind);
            outcomes.Add(outcome);
        }

        await session.CloseAsync(cancellationToken);
        var report = new BounceProcessingReport(outcomes);
        if (outcomes.Count > 0)
        {
            LogPass(session.Folder, report.Summary);
        }
        return report;
    }

    private static async Task<(MimeMessage? Message, string? Problem)> ReadAsync(IBounceMailboxSession session, uint id, CancellationToken cancellationToken)
    {
        await using var content = await session.ReadAsync(id, cancellationToken);
        try
        {
            return (await MimeMessage.LoadAsync(content, cancellationToken), null);
        }
        catch (Exception ex) when (ex is ParseException or FormatException)
        {
            return (null, $"the message cannot be parsed as MIME: {ex.Message}");
        }
    }

    private async Task<BounceOutcome> HandleAsync(uint uid, MimeMessage message, BounceOptions settings, CancellationToken cancellationToken)
    {
        if (FeedbackReportParser.IsFeedbackReport(message))
        {
            return await complaints.HandleAsync(uid, message, cancellationToken);
        }

        var subject = message.Subject;
        if (!DeliveryStatusParser.TryParse(message, out var report, out var problem))
        {
            return new BounceOutcome(uid, subject, BounceOutcomeKind.Unrecognised, null, null, null, null, problem, "");
        }

        var worst = report.Worst;
        if (report.Kind == BounceKind.None)
        {
            return new BounceOutcome(uid, subject, BounceOutcomeKind.NotAFailure, worst.OriginalRecipient ?? worst.FinalRecipient, null, null,
                worst.Status, $"Action: {worst.Action}", "");
        }

        var match = await MatchAsync(report, cancellationToken);
        if (match is null)
        {
            return new BounceOutcome(uid, subject, BounceOutcomeKind.Unmatched, worst.OriginalRecipient ?? worst.FinalRecipient, null, null,
                worst.Status, worst.DiagnosticCode, "");
        }

        var (email, issueNumber, matchedBy) = match.Value;
        var reply = Truncate(worst.DiagnosticCode ?? "no diagnostic");
        if (report.Kind == BounceKind.Hard)
        {
            await suppressions.AddAsync(email, listName: null, SuppressionReason.HardBounce,
                $"{worst.Status} on issue #{issueNumber}: {reply}", cancellationToken);
            return new BounceOutcome(uid, subject, BounceOutcomeKind.HardBounceSuppressed, email, issueNumber, matchedBy, worst.Status, worst.DiagnosticCode, "");
        }

        var consecutive = await bounceStore.RecordSoftBounceAsync(email, issueNumber, worst.Status, worst.DiagnosticCode, cancellationToken);
        if (consecutive < settings.SoftBounceLimit)
        {
            return new BounceOutcome(uid, subject, BounceOutcomeKind.SoftBounceCounted, email, issueNumber, matchedBy, worst.Status,
                $"{consecutive} of {settings.SoftBounceLimit} consecutive issues: {worst.DiagnosticCode}", "");
        }

        await suppressions.AddAsync(email, listName: null, SuppressionReason.SoftBounce,
            $"soft bounces on {consecutive} consecutive issues, the last {worst.Status} on issue #{issueNumber}: {reply}", cancellationToken);
        return new BounceOutcome(uid, subject, BounceOutcomeKind.SoftBounceSuppressed, email, issueNumber, matchedBy, worst.Status,
            $"{consecutive} consecutive issues: {worst.DiagnosticCode}", "");
    }

    /// <summary>The subscriber and issue a bounce is about, by the order of preference in the remarks above.</summary>
    private async Task<(string Email, int IssueNumber, string MatchedBy)?> MatchAsync(DeliveryStatusReport report, CancellationToken cancellationToken)
    {
        if (await matcher.ByMessageIdAsync(report.OriginalMessageIds, cancellationToken) is { } byId)
        {
            return (byId.Email, byId.IssueNumber, "Message-ID");
        }

        foreach (var address in report.VerpRecipients)
        {
            if (await matcher.ByAddressAsync(address, issueNumber: null, cancellationToken) is { } sent)
            {
                return (sent.Email, sent.IssueNumber, "VERP");
            }
        }

        foreach (var recipient in report.Recipients.Where(r => r.Kind == report.Kind))
        {
            foreach (var (address, field) in new[] { (recipient.OriginalRecipient, "Original-Recipient"), (recipient.FinalRecipient, "Final-Recipient") })
            {
                if (!string.IsNullOrWhiteSpace(address) && await matcher.ByAddressAsync(address, issueNumber: null, cancellationToken) is { } sent)
                {
                    return (sent.Email, sent.IssueNumber, field);
                }
            }
        }

        return null;
    }

    private static string Truncate(string text) => text.Length <= MaxDetailLength ? text : text[..MaxDetailLength] + "…";

    private void Log(BounceOutcome outcome, MimeMessage? message)
    {
        switch (outcome.Kind)
        {
            case BounceOutcomeKind.HardBounceSuppressed:
                LogHardBounce(outcome.Email!, outcome.Status!, outcome.IssueNumber!.Value, outcome.MatchedBy!, outcome.Detail, outcome.SetAside);
                break;
            case BounceOutcomeKind.SoftBounceSuppressed:
                LogSoftBounceSuppressed(outcome.Email!, outcome.Status!, outcome.IssueNumber!.Value, outcome.MatchedBy!, outcome.Detail, outcome.SetAside);
                break;
            case BounceOutcomeKind.SoftBounceCounted:
                LogSoftBounceCounted(outcome.Email!, outcome.Status!, outcome.IssueNumber!.Value, outcome.MatchedBy!, outcome.Detail, outcome.SetAside);
                break;
            case BounceOutcomeKind.NotAFailure:
                LogNotAFailure(outcome.Uid, outcome.Subject, outcome.Detail, outcome.SetAside);
                break;
            case BounceOutcomeKind.Unmatched:
                LogUnmatched(outcome.Uid, outcome.Subject, outcome.Email, outcome.Status, outcome.SetAside);
                break;
            case BounceOutcomeKind.Complaint:
                LogComplaint(outcome.Email!, outcome.IssueNumber!.Value, outcome.ListName, outcome.MatchedBy!, outcome.Detail, outcome.SetAside);
                break;
            case BounceOutcomeKind.ComplaintUnmatched:
                LogComplaintUnmatched(outcome.Uid, outcome.Subject, outcome.Detail, outcome.SetAside);
                break;
            default:
                LogUnrecognised(outcome.Uid, outcome.Subject, message?.From.ToString(), outcome.Detail, outcome.SetAside);
                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Bounce mailbox {Folder}: {Summary}")]
    private partial void LogPass(string folder, string summary);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Hard bounce {Status} for {Email} (issue #{IssueNumber}, matched by {MatchedBy}): suppressed on every list. Server said: {Reply}. Message {SetAside}")]
    private partial void LogHardBounce(string email, string status, int issueNumber, string matchedBy, string? reply, string setAside);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Soft bounce {Status} for {Email} (issue #{IssueNumber}, matched by {MatchedBy}): suppressed on every list after {Detail}. Message {SetAside}")]
    private partial void LogSoftBounceSuppressed(string email, string status, int issueNumber, string matchedBy, string? detail, string setAside);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Soft bounce {Status} for {Email} (issue #{IssueNumber}, matched by {MatchedBy}) counted: {Detail}. Message {SetAside}")]
    private partial void LogSoftBounceCounted(string email, string status, int issueNumber, string matchedBy, string? detail, string setAside);

    [LoggerMessage(Level = LogLevel.Information, Message = "Bounce mailbox message {Uid} ('{Subject}') reports no failure ({Detail}); nothing to do. Message {SetAside}")]
    private partial void LogNotAFailure(uint uid, string? subject, string? detail, string setAside);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Bounce mailbox message {Uid} ('{Subject}') is a {Status} bounce for {Recipient}, who matches no message we sent (no known Message-ID, VERP address or recipient); nothing suppressed. Message {SetAside}")]
    private partial void LogUnmatched(uint uid, string? subject, string? recipient, string? status, string setAside);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Complaint: {Email} reported issue #{IssueNumber} to {List} as spam (matched by {MatchedBy}, from {Reporter}): suppressed on every list and counted against that send. Message {SetAside}")]
    private partial void LogComplaint(string email, int issueNumber, string? list, string matchedBy, string? reporter, string setAside);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Bounce mailbox message {Uid} ('{Subject}') is a spam complaint that names nobody we sent to ({Detail}); nothing suppressed. Message {SetAside} for a person to read")]
    private partial void LogComplaintUnmatched(uint uid, string? subject, string? detail, string setAside);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Bounce mailbox message {Uid} ('{Subject}' from {From}) is not a delivery status notification or spam complaint that can be acted on: {Problem}. Nothing was suppressed; message {SetAside} for a person to read")]
    private partial void LogUnrecognised(uint uid, string? subject, string? from, string? problem, string setAside);
}
