namespace Newsletter.Delivery.Transports;

/// <summary>How the IMAP connection to the bounce mailbox is secured.</summary>
public enum MailboxSecurity
{
    /// <summary>Plain text; only for a server on localhost or a trusted network.</summary>
    None,

    /// <summary>STARTTLS is required (usually port 143); the connection fails if the server does not offer it.</summary>
    StartTls,

    /// <summary>TLS from the first byte (usually port 993).</summary>
    SslOnConnect,
}
