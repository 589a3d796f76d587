using MimeKit;
using Newsletter.Delivery.Bounces;
using Newsletter.Delivery.Transports;
using Newsletter.Tests.Storage;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Bounces;

/// <summary>The sample notifications in Bounces/Fixtures, written after real ones from Gmail and Postfix.</summary>
internal static class BounceFixtures
{
    /// <summary>Gmail's "Delivery Status Notification (Failure)": 5.1.1 for ada@example.com, sent to bounces+ada=example.com@newsletter.test.</summary>
    public const string GmailHard = "gmail-hard-bounce.eml";

    /// <summary>Postfix's "Undelivered Mail Returned to Sender" from a forwarding server: 5.1.1 for the forward target of alan@example.org.</summary>
    public const string PostfixHard = "postfix-hard-bounce.eml";

    /// <summary>The Message-ID of the returned message in <see cref="PostfixHard"/>.</summary>
    public const string PostfixHardMessageId = "postfix-case.0001@newsletter.test";

    /// <summary>The Message-ID of the returned message in <see cref="GmailHard"/>.</summary>
    public const string GmailHardMessageId = "gmail-case.0001@newsletter.test";

    /// <summary>Postfix giving up with 4.2.2 (mailbox full) for grace@example.net; its returned Message-ID is not ours.</summary>
    public const string PostfixSoft = "postfix-soft-bounce.eml";

    /// <summary>Postfix's "Delayed Mail (still being retried)" warning for grace@example.net.</summary>
    public const string PostfixDelay = "postfix-delay-warning.eml";

    /// <summary>A multipart/report whose delivery-status part has no Action or Status.</summary>
    public const string Malformed = "malformed-report.eml";

    /// <summary>RFC 5965's simple example (B.1) about our issue #1: Feedback-Type abuse and nothing else; the original's To is "Undisclosed Recipients".</summary>
    public const string Rfc5965Simple = "rfc5965-simple-abuse.eml";

    /// <summary>The Message-ID of the reported message in <see cref="Rfc5965Simple"/>.</summary>
    public const string Rfc5965SimpleMessageId = "rfc5965-simple.0001@newsletter.test";

    /// <summary>
    /// RFC 5965's complete example (B.2) with the headers only (text/rfc822-headers): the receiving server rewrote the Message-ID,
    /// Original-Rcpt-To is the forward target grace.hopper@mail.example.net, and Original-Mail-From is the VERP address of grace@example.net.
    /// </summary>
    public const string Rfc5965Complete = "rfc5965-complete-abuse.eml";

    /// <summary>
    /// Yahoo's CFL about issue #2 to "weekly": the recipient redacted (To: redacted@yahoo.com, no Original-Rcpt-To), no VERP,
    /// the rest of the message kept, Message-ID and Feedback-ID included.
    /// </summary>
    public const string YahooCfl = "yahoo-cfl-abuse.eml";

    /// <summary>The Message-ID of the reported message in <see cref="YahooCfl"/>.</summary>
    public const string YahooCflMessageId = "yahoo-case.0002@newsletter.test";

    /// <summary>Microsoft's JMRP about issue #1 to alan@outlook.com: Original-Rcpt-To, the original whole with Feedback-ID issue-1.</summary>
    public const string MicrosoftJmrp = "microsoft-jmrp-abuse.eml";

    /// <summary>The Message-ID of the reported message in <see cref="MicrosoftJmrp"/>.</summary>
    public const string MicrosoftJmrpMessageId = "jmrp-case.0001@newsletter.test";

    /// <summary>Enabled options reading <paramref name="login"/>'s INBOX on the test Dovecot in plain text, with a short timeout.</summary>
    public static BounceOptions Options(DovecotServer dovecot, (string User, string Password) login, Action<BounceOptions>? change = null)
    {
        var options = new BounceOptions
        {
            Enabled = true,
            Host = dovecot.Host,
            Port = dovecot.Port,
            Security = MailboxSecurity.None,
            User = login.User,
            Password = login.Password,
            TimeoutSeconds = 10,
        };
        change?.Invoke(options);
        return options;
    }

    /// <summary>The bounce and complaint rules over the real store in <paramref name="database"/>, reading the mailbox <paramref name="settings"/> name.</summary>
    public static BounceProcessor Processor(Microsoft.Extensions.Options.IOptions<BounceOptions> settings, Newsletter.Storage.StoreDatabase database,
        Newsletter.Core.Monitoring.NewsletterMetrics metrics, Microsoft.Extensions.Logging.ILogger<BounceProcessor>? logger = null,
        Microsoft.Extensions.Logging.ILogger<ComplaintRules>? complaintLogger = null)
    {
        var log = new Newsletter.Tests.Storage.TestDeliveryLog(database);
        var suppressions = new Newsletter.Storage.SuppressionList(database);
        var bounceStore = new Newsletter.Storage.BounceStore(database);
        var matcher = new SentMessageMatcher(log, log, bounceStore);
        var complaints = new ComplaintRules(settings, matcher, suppressions, bounceStore, log, log, metrics,
            complaintLogger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger<ComplaintRules>.Instance);
        return new(new ImapBounceMailbox(settings), settings, matcher, suppressions, bounceStore, complaints, metrics,
            logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger<BounceProcessor>.Instance);
    }

    public static MimeMessage Load(string name) =>
        MimeMessage.Load(Path.Combine(RepoPaths.Root, "tests", "Newsletter.Tests", "Bounces", "Fixtures", name));
}
