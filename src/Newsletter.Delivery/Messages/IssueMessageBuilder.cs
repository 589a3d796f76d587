using System.Text;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Utils;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Signing;

namespace Newsletter.Delivery.Messages;

/// <summary>
/// Builds the <see cref="MimeMessage"/> for one subscriber: From/Reply-To from <see cref="SenderOptions"/>,
/// To, Subject, Date, Message-ID, MIME-Version, List-Id (RFC 2919), List-Unsubscribe with List-Unsubscribe-Post (RFC 8058),
/// Feedback-ID, the issue's <see cref="EncodedIssueBody"/> (text/plain then text/html, UTF-8, quoted-printable, encoded
/// once per issue), and last, when a <see cref="DkimMessageSigner"/> is given, a DKIM-Signature over all of them.
/// Every header value is passed through <see cref="HeaderText.Sanitize"/> first. Thread-safe; runs once per subscriber,
/// so everything that does not depend on the subscriber is computed in the constructor.
/// </summary>
/// <remarks>
/// Deliberately absent: <c>Precedence: bulk</c> (non-standard, "discouraged" by RFC 2076, dropped from Gmail's sender
/// guidelines; List-Id and List-Unsubscribe already mark list mail and RFC 3834 auto-responders honour them), and any
/// X- header of our own: the issue number travels in Feedback-ID, which providers expect and the signature covers.
/// </remarks>
public sealed class IssueMessageBuilder
{
    /// <summary>
    /// The Feedback-ID header: <c>issue-{N}:{list}:newsletter:{SenderId}</c> (Gmail's <c>a:b:c:SenderId</c>), so a
    /// complaint report can be traced to the issue and list. The pickup transport also files messages by its first field.
    /// </summary>
    public const string FeedbackIdHeader = "Feedback-ID";

    private const string FeedbackIdIssuePrefix = "issue-";

    private static readonly Encoding Utf8 = new UTF8Encoding(false);

    private readonly PublicUrls _urls;
    private readonly TimeProvider _clock;
    private readonly MailboxAddress _from;
    private readonly MailboxAddress? _replyTo;
    private readonly string _fromDomain;
    private readonly MailboxAddress _returnPath;
    private readonly bool _verp;
    private readonly string _feedbackSenderId;
    private readonly DkimMessageSigner? _dkim;

    /// <param name="urls">Builds each message's List-Unsubscribe URL.</param>
    /// <param name="dkim">Signs every message built; null sends unsigned messages.</param>
    /// <exception cref="ArgumentException">The sender options are invalid (the options validator reports the same at start-up).</exception>
    public IssueMessageBuilder(IOptions<SenderOptions> sender, PublicUrls urls, TimeProvider? clock = null, DkimMessageSigner? dkim = null)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(urls);
        var options = sender.Value;

        if (!EmailAddressRules.TryNormalize(options.FromAddress, out var fromAddress, out var reason))
            throw new ArgumentException($"{SenderOptions.SectionName}:FromAddress '{options.FromAddress}' {reason}.", nameof(sender));

        _urls = urls;
        _clock = clock ?? TimeProvider.System;
        _from = new MailboxAddress(HeaderText.Sanitize(options.FromName) ?? "", fromAddress);
        _fromDomain = fromAddress[(fromAddress.LastIndexOf('@') + 1)..].ToLowerInvariant();

        if (!string.IsNullOrWhiteSpace(options.ReplyTo))
        {
            if (!EmailAddressRules.TryNormalize(options.ReplyTo, out var replyTo, out reason))
                throw new ArgumentException($"{SenderOptions.SectionName}:ReplyTo '{options.ReplyTo}' {reason}.", nameof(sender));
            _replyTo = new MailboxAddress("", replyTo);
        }

        var returnPath = fromAddress;
        if (!string.IsNullOrWhiteSpace(options.ReturnPath) && !EmailAddressRules.TryNormalize(options.ReturnPath, out returnPath, out reason))
            throw new ArgumentException($"{SenderOptions.SectionName}:ReturnPath '{options.ReturnPath}' {reason}.", nameof(sender));
        _returnPath = new MailboxAddress("", returnPath);
        _verp = options.Verp;

        if (!string.IsNullOrWhiteSpace(options.FeedbackSenderId) && !SenderOptionsValidator.IsFeedbackIdField(options.FeedbackSenderId))
            throw new ArgumentException($"{SenderOptions.SectionName}:FeedbackSenderId '{options.FeedbackSenderId}' may only contain letters, digits, '.', '_' and '-'.", nameof(sender));
        _feedbackSenderId = string.IsNullOrWhiteSpace(options.FeedbackSenderId) ? _fromDomain.Replace('.', '-') : options.FeedbackSenderId;
        _dkim = dkim;
    }

    /// <summary>The configured envelope sender: <see cref="SenderOptions.ReturnPath"/>, else the From address. Without VERP, every message's.</summary>
    public MailboxAddress EnvelopeSender => _returnPath;

    /// <summary>True when messages are DKIM-signed.</summary>
    public bool Signs => _dkim is not null;

    /// <summary>
    /// The envelope sender (SMTP MAIL FROM) for <paramref name="subscriber"/>'s message: with <see cref="SenderOptions.Verp"/>,
    /// <c>bounces+alice=example.com@bounces.example.com</c>; otherwise, or when the recipient cannot be folded into an
    /// address (see <see cref="VerpAddress.TryEncode"/>), <see cref="EnvelopeSender"/>.
    /// </summary>
    public MailboxAddress EnvelopeSenderFor(Subscriber subscriber)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        return _verp && VerpAddress.TryEncode(_returnPath.Address, subscriber.Email, out var verp)
            ? new MailboxAddress("", verp)
            : _returnPath;
    }

    /// <summary>The Feedback-ID value for an issue sent to a list: <c>issue-12:readers:newsletter:tensorweekly</c>.</summary>
    public string FeedbackId(int issueNumber, ListIdentity list)
    {
        ArgumentNullException.ThrowIfNull(list);
        return FeedbackIdIssuePrefix + issueNumber.ToString(System.Globalization.CultureInfo.InvariantCulture)
            + ":" + ListIdLabel(list.Name) + ":newsletter:" + _feedbackSenderId;
    }

    /// <summary>The issue number a message was built for, read from its Feedback-ID header.</summary>
    public static bool TryGetIssueNumber(MimeMessage message, out int issueNumber)
    {
        ArgumentNullException.ThrowIfNull(message);
        issueNumber = 0;
        var value = message.Headers[FeedbackIdHeader]?.Trim();
        if (value is null || !value.StartsWith(FeedbackIdIssuePrefix, StringComparison.Ordinal))
            return false;
        var end = value.IndexOf(':');
        var digits = value.AsSpan(FeedbackIdIssuePrefix.Length, (end < 0 ? value.Length : end) - FeedbackIdIssuePrefix.Length);
        return int.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out issueNumber);
    }

    /// <summary>The List-Id value for <paramref name="list"/>: <c>"Display Name" &lt;name.fromdomain&gt;</c>.</summary>
    public string ListId(ListIdentity list)
    {
        ArgumentNullException.ThrowIfNull(list);
        var id = ListIdLabel(list.Name) + "." + _fromDomain;
        var displayName = HeaderText.Sanitize(list.DisplayName) ?? "";
        if (displayName.Length == 0)
            return "<" + id + ">";

        var phrase = IsPrintableAscii(displayName)
            ? "\"" + displayName.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\""
            : Encoding.ASCII.GetString(Rfc2047.EncodePhrase(Utf8, displayName));
        return phrase + " <" + id + ">";
    }

    /// <summary>
    /// Assembles one subscriber's message: the headers, the issue's pre-encoded body with their name and unsubscribe URL
    /// spliced in, the DKIM signature when signing is on, and the envelope sender to send it with.
    /// </summary>
    /// <exception cref="ArgumentException">The subscriber's address is not a usable address (contains spaces or control characters, has no '@', or MimeKit cannot parse it).</exception>
    public OutgoingMessage Build(EncodedIssueBody body, ListIdentity list, Subscriber subscriber)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(list);
        ArgumentNullException.ThrowIfNull(subscriber);

        // Addresses are validated by the list loader; this guard is for callers that build Subscribers themselves.
        // Rewriting a bad address would send mail to someone else, so refuse instead.
        var email = subscriber.Email;
        if (string.IsNullOrEmpty(email) || !email.Contains('@') || HeaderText.ContainsUnsafe(email) || email.Contains(' '))
            throw new ArgumentException($"'{HeaderText.Sanitize(email)}' is not a usable recipient address.", nameof(subscriber));

        var message = new MimeMessage();
        // Fresh address objects per message: a MimeKit address list subscribes to its addresses' Changed events, so
        // sharing one instance made it reference every message ever built (about 42 KB each, never collected).
        message.From.Add(new MailboxAddress(_from.Name, _from.Address));
        if (_replyTo is not null)
            message.ReplyTo.Add(new MailboxAddress(_replyTo.Name, _replyTo.Address));
        MailboxAddress to;
        try
        {
            to = new MailboxAddress(HeaderText.Sanitize(subscriber.Name) ?? "", email);
        }
        catch (ParseException e)
        {
            throw new ArgumentException($"'{email}' is not a usable recipient address: {e.Message}", nameof(subscriber), e);
        }

        message.To.Add(to);
        message.Subject = HeaderText.Sanitize(body.Subject) ?? "";
        message.Date = _clock.GetUtcNow();
        message.MessageId = MimeUtils.GenerateMessageId(_fromDomain);
        message.MimeVersion = new Version(1, 0);

        var unsubscribeUrl = _urls.Unsubscribe(list, subscriber);
        message.Headers.Add(HeaderId.ListId, ListId(list));
        message.Headers.Add(HeaderId.ListUnsubscribe, "<" + unsubscribeUrl + ">");
        message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        message.Headers.Add(FeedbackIdHeader, FeedbackId(body.IssueNumber, list));
        message.Body = body.Personalise(subscriber.Name, unsubscribeUrl);

        // Last: the signature covers the headers above, List-Unsubscribe and List-Unsubscribe-Post included (RFC 8058).
        _dkim?.Sign(message);
        return new OutgoingMessage(message, EnvelopeSenderFor(subscriber));
    }

    /// <summary>
    /// Assembles a message to one person that is not an issue (a signup's confirmation mail): the same From, Reply-To, Date,
    /// Message-ID and DKIM signature as an issue, a text and an HTML alternative, and no List-Id, List-Unsubscribe or
    /// Feedback-ID: its reader is on no list yet, and it is mail they asked for, not list mail.
    /// </summary>
    /// <exception cref="ArgumentException">The address is not a usable recipient address.</exception>
    public OutgoingMessage BuildTransactional(Subscriber recipient, string subject, string html, string text)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        if (string.IsNullOrEmpty(recipient.Email) || HeaderText.ContainsUnsafe(recipient.Email) || !MailboxAddress.TryParse(recipient.Email, out var address))
            throw new ArgumentException($"'{HeaderText.Sanitize(recipient.Email)}' is not a usable recipient address.", nameof(recipient));

        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(_from.Name, _from.Address));
        if (_replyTo is not null)
            message.ReplyTo.Add(new MailboxAddress(_replyTo.Name, _replyTo.Address));
        message.To.Add(new MailboxAddress(HeaderText.Sanitize(recipient.Name) ?? "", address.Address));
        message.Subject = HeaderText.Sanitize(subject) ?? "";
        message.Date = _clock.GetUtcNow();
        message.MessageId = MimeUtils.GenerateMessageId(_fromDomain);
        message.MimeVersion = new Version(1, 0);
        message.Body = new BodyBuilder { TextBody = text, HtmlBody = html }.ToMessageBody();
        // Encoded here, not by whichever transport takes it: the pickup folder writes a message as built, and UTF-8 text
        // left unencoded there is 8-bit content under an implied 7bit transfer encoding.
        message.Prepare(EncodingConstraint.SevenBit);
        _dkim?.Sign(message);
        return new OutgoingMessage(message, EnvelopeSenderFor(recipient));
    }

    /// <summary>A list name as a dot-atom label: letters, digits and '-' only (the loader already restricts names).</summary>
    private static string ListIdLabel(string name)
    {
        var label = string.Create(name.Length, name, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                var c = source[i];
                span[i] = char.IsAsciiLetterOrDigit(c) || c == '-' ? char.ToLowerInvariant(c) : '-';
            }
        });
        return label.Length == 0 ? "list" : label;
    }

    private static bool IsPrintableAscii(string value)
    {
        foreach (var c in value)
        {
            if (c < 0x20 || c > 0x7e)
                return false;
        }

        return true;
    }
}
