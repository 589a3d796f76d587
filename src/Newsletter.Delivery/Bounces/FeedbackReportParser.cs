using System.Diagnostics.CodeAnalysis;
using MimeKit;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Messages;

namespace Newsletter.Delivery.Bounces;

/// <summary>
/// Reads feedback-loop reports in the Abuse Reporting Format (RFC 5965): a <c>multipart/report; report-type=feedback-report</c>
/// whose <c>message/feedback-report</c> part says what happened (<c>Feedback-Type</c>, <c>Original-Mail-From</c>,
/// <c>Original-Rcpt-To</c>, …), followed by the reported message (<c>message/rfc822</c>) or its headers
/// (<c>text/rfc822-headers</c>). Yahoo, Microsoft (JMRP) and most large mailbox providers send them, one per complaint.
/// </summary>
/// <remarks>
/// Providers differ in what they keep. Yahoo's CFL redacts the recipient (the original's <c>To</c> is replaced and there is no
/// <c>Original-Rcpt-To</c>) but keeps the rest of the message, so the Message-ID and Feedback-ID we wrote, and a VERP envelope
/// sender, still point to the reader. Microsoft keeps the original whole and adds <c>Original-Rcpt-To</c>.
/// </remarks>
public static class FeedbackReportParser
{
    /// <summary>Whether the message is a feedback report at all (it has a <c>message/feedback-report</c> part).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is null.</exception>
    public static bool IsFeedbackReport(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        // BodyParts does not descend into an attached message, so a report quoted inside another is not this one.
        return message.BodyParts.OfType<MessageFeedbackReport>().Any();
    }

    /// <summary>Parses a feedback report; never throws for bad content.</summary>
    /// <param name="problem">Why the message is not a usable feedback report, in words for the log.</param>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is null.</exception>
    public static bool TryParse(MimeMessage message, [NotNullWhen(true)] out FeedbackReport? report, [NotNullWhen(false)] out string? problem)
    {
        ArgumentNullException.ThrowIfNull(message);
        report = null;
        var part = message.BodyParts.OfType<MessageFeedbackReport>().FirstOrDefault();
        if (part is null)
        {
            problem = $"not a feedback report: no message/feedback-report part (Content-Type {message.Body?.ContentType.MimeType ?? "none"})";
            return false;
        }

        var fields = part.Fields;
        var type = fields["Feedback-Type"]?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(type))
        {
            problem = "the message/feedback-report part has no Feedback-Type field";
            return false;
        }

        // The reported message, whole (message/rfc822) or its headers only (text/rfc822-headers, which MimeKit parses as a
        // MessagePart too).
        var original = message.BodyParts.OfType<MessagePart>().Select(p => p.Message).FirstOrDefault(m => m is not null);
        var messageIds = new List<string>();
        AddMessageId(messageIds, original?.MessageId);

        int? issueNumber = original is not null && IssueMessageBuilder.TryGetIssueNumber(original, out var issue) ? issue : null;

        var recipients = new List<(string Address, string Field)>();
        AddVerp(recipients, fields["Original-Mail-From"]);
        AddVerp(recipients, original?.Headers[HeaderId.ReturnPath]);
        foreach (var value in fields.Where(f => f.Field.Equals("Original-Rcpt-To", StringComparison.OrdinalIgnoreCase)).Select(f => f.Value))
        {
            AddAddresses(recipients, value, "Original-Rcpt-To");
        }
        foreach (var to in original?.To.Mailboxes ?? [])
        {
            Add(recipients, to.Address, "To");
        }

        report = new FeedbackReport(type, fields["User-Agent"]?.Trim(), messageIds, issueNumber, recipients);
        problem = null;
        return true;
    }

    private static void AddMessageId(List<string> ids, string? id)
    {
        var trimmed = id?.Trim().Trim('<', '>').Trim();
        if (!string.IsNullOrEmpty(trimmed) && !ids.Contains(trimmed, StringComparer.Ordinal))
        {
            ids.Add(trimmed);
        }
    }

    private static void AddVerp(List<(string Address, string Field)> recipients, string? envelopeSender)
    {
        if (VerpAddress.TryDecode(envelopeSender?.Trim(), out var reader))
        {
            Add(recipients, reader, "VERP");
        }
    }

    private static void AddAddresses(List<(string Address, string Field)> recipients, string? value, string field)
    {
        if (!string.IsNullOrWhiteSpace(value) && InternetAddressList.TryParse(value, out var addresses))
        {
            foreach (var mailbox in addresses.Mailboxes)
            {
                Add(recipients, mailbox.Address, field);
            }
        }
    }

    private static void Add(List<(string Address, string Field)> recipients, string? address, string field)
    {
        // A redacted recipient ("redacted", "<Undisclosed Recipients>") is no address; an address seen already keeps its better source.
        if (string.IsNullOrWhiteSpace(address) || !address.Contains('@') || !EmailAddressRules.TryNormalize(address, out var normalized, out _))
        {
            return;
        }
        if (!recipients.Any(r => EmailKey.SameMailbox(r.Address, normalized)))
        {
            recipients.Add((normalized, field));
        }
    }
}
