using System.Text;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Utils;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Lists;
using Newsletter.Delivery.Unsubscribe;

namespace Newsletter.Delivery.Messages;

/// <summary>
/// Builds the <see cref="MimeMessage"/> for one subscriber: From/Reply-To from <see cref="SenderOptions"/>,
/// To, Subject, Date, Message-ID, List-Id (RFC 2919), List-Unsubscribe with List-Unsubscribe-Post (RFC 8058),
/// <see cref="IssueHeader"/>, and a multipart/alternative body (text/plain then text/html, UTF-8, quoted-printable).
/// Every header value is passed through <see cref="HeaderText.Sanitize"/> first. Thread-safe; runs once per subscriber,
/// so everything that does not depend on the subscriber is computed in the constructor.
/// </summary>
public sealed class IssueMessageBuilder
{
    /// <summary>Header carrying the issue number; the pickup transport files messages by it.</summary>
    public const string IssueHeader = "X-Newsletter-Issue";

    private static readonly Encoding Utf8 = new UTF8Encoding(false);

    private readonly UnsubscribeTokens _tokens;
    private readonly TimeProvider _clock;
    private readonly MailboxAddress _from;
    private readonly MailboxAddress? _replyTo;
    private readonly string _fromDomain;
    private readonly string _unsubscribeBase;
    private readonly string _issuesBase;

    /// <exception cref="ArgumentException">The sender options are invalid (the options validator reports the same at start-up).</exception>
    public IssueMessageBuilder(IOptions<SenderOptions> sender, UnsubscribeTokens tokens, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(tokens);
        var options = sender.Value;

        if (!EmailAddressRules.TryNormalize(options.FromAddress, out var fromAddress, out var reason))
            throw new ArgumentException($"{SenderOptions.SectionName}:FromAddress '{options.FromAddress}' {reason}.", nameof(sender));
        if (!SenderOptionsValidator.IsUsableBaseUrl(options.PublicBaseUrl))
            throw new ArgumentException($"{SenderOptions.SectionName}:PublicBaseUrl '{options.PublicBaseUrl}' is not an absolute http(s) URL.", nameof(sender));

        _tokens = tokens;
        _clock = clock ?? TimeProvider.System;
        _from = new MailboxAddress(HeaderText.Sanitize(options.FromName) ?? "", fromAddress);
        _fromDomain = fromAddress[(fromAddress.LastIndexOf('@') + 1)..].ToLowerInvariant();
        _unsubscribeBase = options.PublicBaseUrl.TrimEnd('/') + "/unsubscribe/";
        _issuesBase = options.PublicBaseUrl.TrimEnd('/') + "/issues/";

        if (!string.IsNullOrWhiteSpace(options.ReplyTo))
        {
            if (!EmailAddressRules.TryNormalize(options.ReplyTo, out var replyTo, out reason))
                throw new ArgumentException($"{SenderOptions.SectionName}:ReplyTo '{options.ReplyTo}' {reason}.", nameof(sender));
            _replyTo = new MailboxAddress("", replyTo);
        }
    }

    /// <summary>The envelope sender (MAIL FROM) transports should use.</summary>
    public MailboxAddress EnvelopeSender => new("", _from.Address);

    /// <summary>The public archive page of an issue ("view in browser"): <c>{PublicBaseUrl}/issues/{number}</c>.</summary>
    public Uri ViewInBrowserUrl(int issueNumber) => new(_issuesBase + issueNumber.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The one-click unsubscribe URL for <paramref name="subscriber"/> on <paramref name="list"/>: <c>{PublicBaseUrl}/unsubscribe/{token}</c>.</summary>
    public string UnsubscribeUrl(MailingList list, Subscriber subscriber)
    {
        ArgumentNullException.ThrowIfNull(list);
        ArgumentNullException.ThrowIfNull(subscriber);
        return _unsubscribeBase + _tokens.Create(list.Name, subscriber.Email);
    }

    /// <summary>The List-Id value for <paramref name="list"/>: <c>"Display Name" &lt;name.fromdomain&gt;</c>.</summary>
    public string ListId(MailingList list)
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

    /// <summary>Builds the message for one subscriber.</summary>
    /// <exception cref="ArgumentException">The subscriber's address is not a usable address (contains spaces or control characters, has no '@', or MimeKit cannot parse it).</exception>
    public MimeMessage Build(IssueMessageContent content, MailingList list, Subscriber subscriber)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(list);
        ArgumentNullException.ThrowIfNull(subscriber);

        // Addresses are validated by the list loader; this guard is for callers that build Subscribers themselves.
        // Rewriting a bad address would send mail to someone else, so refuse instead.
        var email = subscriber.Email;
        if (string.IsNullOrEmpty(email) || !email.Contains('@') || HeaderText.ContainsUnsafe(email) || email.Contains(' '))
            throw new ArgumentException($"'{HeaderText.Sanitize(email)}' is not a usable recipient address.", nameof(subscriber));

        var message = new MimeMessage();
        message.From.Add(_from);
        if (_replyTo is not null)
            message.ReplyTo.Add(_replyTo);
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
        message.Subject = HeaderText.Sanitize(content.Subject) ?? "";
        message.Date = _clock.GetUtcNow();
        message.MessageId = MimeUtils.GenerateMessageId(_fromDomain);

        var unsubscribeUrl = UnsubscribeUrl(list, subscriber);
        message.Headers.Add(HeaderId.ListId, ListId(list));
        message.Headers.Add(HeaderId.ListUnsubscribe, "<" + unsubscribeUrl + ">");
        message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        message.Headers.Add(IssueHeader, content.IssueNumber.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // Encoding is fixed here rather than left to MimeKit's per-send scan of the whole body:
        // quoted-printable is 7-bit safe and copes with the long lines HTML templates produce.
        var text = new TextPart("plain") { ContentTransferEncoding = ContentEncoding.QuotedPrintable };
        text.SetText(Utf8, content.Text ?? "");
        var html = new TextPart("html") { ContentTransferEncoding = ContentEncoding.QuotedPrintable };
        html.SetText(Utf8, content.Html ?? "");

        message.Body = new MultipartAlternative { text, html };
        return message;
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
