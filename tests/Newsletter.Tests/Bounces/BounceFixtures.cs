using MimeKit;
using Newsletter.Delivery.Bounces;
using Newsletter.Delivery.Transports;
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

    public static MimeMessage Load(string name) =>
        MimeMessage.Load(Path.Combine(RepoPaths.Root, "tests", "Newsletter.Tests", "Bounces", "Fixtures", name));
}
