using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using MimeKit;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Messages;

namespace Newsletter.Delivery.Bounces;

/// <summary>
/// Reads RFC 3464 delivery status notifications (a <c>multipart/report</c> with a <c>message/delivery-status</c> part)
/// with MimeKit: the status of each recipient, the Message-ID of the message that bounced, and the VERP addresses the
/// notification was sent to. Anything else (auto-replies, plain-text bounces, broken reports) is refused with a reason.
/// </summary>
public static partial class DeliveryStatusParser
{
    /// <summary>Headers a receiving server uses to record the envelope recipient; VERP addresses are looked for in these.</summary>
    private static readonly string[] EnvelopeRecipientHeaders = ["Delivered-To", "X-Original-To", "Envelope-To", "To"];

    /// <summary>Parses <paramref name="message"/>; never throws for bad content.</summary>
    /// <param name="problem">Why the message is not a usable notification, in words for the log.</param>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is null.</exception>
    public static bool TryParse(MimeMessage message, [NotNullWhen(true)] out DeliveryStatusReport? report, [NotNullWhen(false)] out string? problem)
    {
        ArgumentNullException.ThrowIfNull(message);
        report = null;

        // BodyParts lists leaves and does not descend into an attached message, so a report quoted inside the returned
        // message is never mistaken for this one.
        var status = message.BodyParts.OfType<MessageDeliveryStatus>().FirstOrDefault();
        if (status is null)
        {
            problem = $"not a delivery status notification: no message/delivery-status part (Content-Type {message.Body?.ContentType.MimeType ?? "none"})";
            return false;
        }

        var groups = status.StatusGroups;
        if (groups.Count < 2)
        {
            problem = "the message/delivery-status part has no per-recipient fields (Final-Recipient, Action, Status)";
            return false;
        }

        var recipients = new List<DeliveryStatusRecipient>();
        for (var i = 1; i < groups.Count; i++)
        {
            if (ReadRecipient(groups[i]) is { } recipient)
            {
                recipients.Add(recipient);
            }
        }
        if (recipients.Count == 0)
        {
            problem = "no per-recipient group has both an Action and a Status of the form 5.1.1";
            return false;
        }

        report = new DeliveryStatusReport(
            recipients.Max(r => r.Kind),
            recipients,
            OriginalMessageIds(message, groups[0]),
            VerpRecipients(message));
        problem = null;
        return true;
    }

    private static DeliveryStatusRecipient? ReadRecipient(HeaderList fields)
    {
        var action = fields["Action"]?.Trim().ToLowerInvariant();
        var statusText = fields["Status"]?.Trim();
        if (string.IsNullOrEmpty(action) || statusText is null)
        {
            return null;
        }

        // "5.1.1 (bad destination mailbox)" occurs in the wild: take the code, keep nothing else.
        var match = StatusCode().Match(statusText);
        if (!match.Success)
        {
            return null;
        }

        var status = match.Value;
        // Only "failed" is a bounce. "delayed" is a warning while the sending server still retries: the subscriber may yet get
        // the issue, so it is not counted.
        var kind = action == "failed"
            ? status[0] switch { '5' => BounceKind.Hard, '4' => BounceKind.Soft, _ => BounceKind.None }
            : BounceKind.None;
        return new DeliveryStatusRecipient(
            TypedValue(fields["Final-Recipient"])?.Trim('<', '>'),
            TypedValue(fields["Original-Recipient"])?.Trim('<', '>'),
            action,
            status,
            Unfold(TypedValue(fields["Diagnostic-Code"])),
            kind);
    }

    private static List<string> OriginalMessageIds(MimeMessage message, HeaderList perMessageFields)
    {
        var ids = new List<string>();
        // The returned message (message/rfc822, or text/rfc822-headers, which MimeKit also parses as a MessagePart) is the
        // best witness: it is what we sent.
        foreach (var part in message.BodyParts.OfType<MessagePart>())
        {
            Add(part.Message?.MessageId);
        }
        Add(perMessageFields["X-Original-Message-ID"]);
        Add(message.InReplyTo);
        foreach (var reference in message.References)
        {
            Add(reference);
        }
        return ids;

        void Add(string? id)
        {
            var trimmed = id?.Trim().Trim('<', '>').Trim();
            if (!string.IsNullOrEmpty(trimmed) && !ids.Contains(trimmed, StringComparer.Ordinal))
            {
                ids.Add(trimmed);
            }
        }
    }

    private static List<string> VerpRecipients(MimeMessage message)
    {
        var found = new List<string>();
        foreach (var name in EnvelopeRecipientHeaders)
        {
            foreach (var header in message.Headers.Where(h => h.Field.Equals(name, StringComparison.OrdinalIgnoreCase)))
            {
                if (!InternetAddressList.TryParse(header.Value, out var addresses))
                {
                    continue;
                }
                foreach (var mailbox in addresses.Mailboxes)
                {
                    if (VerpAddress.TryDecode(mailbox.Address, out var decoded) && !found.Any(f => EmailKey.SameMailbox(f, decoded)))
                    {
                        found.Add(decoded);
                    }
                }
            }
        }
        return found;
    }

    /// <summary>"rfc822; alice@example.com" → "alice@example.com".</summary>
    private static string? TypedValue(string? field)
    {
        if (string.IsNullOrWhiteSpace(field))
        {
            return null;
        }
        var semicolon = field.IndexOf(';');
        var value = (semicolon >= 0 ? field[(semicolon + 1)..] : field).Trim();
        return value.Length == 0 ? null : value;
    }

    private static string? Unfold(string? text) => text is null ? null : Whitespace().Replace(text, " ").Trim();

    [GeneratedRegex(@"\b[245]\.\d{1,3}\.\d{1,3}\b")]
    private static partial Regex StatusCode();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
