using Newsletter.Delivery.Tls;
using Newsletter.Delivery.Transports;

namespace Newsletter.Delivery.Bounces;

/// <summary>
/// The mailbox that receives bounces and feedback-loop complaints, and what to do with them. Section <c>Newsletter:Bounces</c>;
/// off by default.
/// </summary>
public sealed class BounceOptions
{
    public const string SectionName = "Newsletter:Bounces";

    /// <summary>Whether <c>run</c> polls the mailbox (and <c>bounces process</c> may).</summary>
    public bool Enabled { get; set; }

    public string? Host { get; set; }

    public int Port { get; set; } = 143;

    public MailboxSecurity Security { get; set; } = MailboxSecurity.StartTls;

    /// <summary>
    /// A PEM file of CA certificates trusted in addition to this machine's store, for a mail server whose certificate comes
    /// from your own CA. A relative path is resolved against the folder holding appsettings.json. Checked at start.
    /// </summary>
    public string? TrustedCaFile { get; set; }

    /// <summary>What to do when the server certificate's revocation status cannot be learned; see <see cref="Delivery.Tls.CertificateRevocation"/>.</summary>
    public CertificateRevocation CertificateRevocation { get; set; } = CertificateRevocation.SoftFail;

    public string? User { get; set; }

    /// <summary>Never in appsettings.json: set the environment variable <c>Newsletter__Bounces__Password</c>.</summary>
    public string? Password { get; set; }

    /// <summary>The folder bounces arrive in.</summary>
    public string Folder { get; set; } = "INBOX";

    /// <summary>
    /// Where handled notifications are moved (created if missing). Empty: they are marked \Seen where they are instead, and
    /// only unseen messages are read, so nobody should read that folder in a mail client.
    /// </summary>
    public string? ProcessedFolder { get; set; } = "Processed";

    /// <summary>
    /// Where mail that is not a readable delivery status notification is moved for a person to read (created if missing),
    /// when <see cref="ProcessedFolder"/> is set. Without a processed folder such mail is flagged and marked \Seen in place.
    /// </summary>
    public string? UnrecognisedFolder { get; set; } = "Unrecognised";

    /// <summary>How often <c>run</c> reads the mailbox.</summary>
    public int PollSeconds { get; set; } = 300;

    /// <summary>Soft bounces on this many consecutive issues suppress the address.</summary>
    public int SoftBounceLimit { get; set; } = 3;

    /// <summary>
    /// Complaints per delivered message above which a running send pauses (0.003 is 0.3%, the limit Gmail and Yahoo hold bulk
    /// senders to); see <see cref="ComplaintCeiling"/>.
    /// </summary>
    public double ComplaintRateCeiling { get; set; } = 0.003;

    /// <summary>The complaint ceiling judges no send with fewer messages delivered than this.</summary>
    public int ComplaintMinimumDelivered { get; set; } = 1000;

    /// <summary>The complaint ceiling pauses no send on fewer complaints than this, whatever its rate.</summary>
    public int ComplaintMinimumCount { get; set; } = 5;

    /// <summary>The guardrail these three settings describe.</summary>
    public ComplaintCeiling GetComplaintCeiling() => new(ComplaintRateCeiling, ComplaintMinimumDelivered, ComplaintMinimumCount);

    /// <summary>Timeout for connecting and for each IMAP command.</summary>
    public int TimeoutSeconds { get; set; } = 60;
}
