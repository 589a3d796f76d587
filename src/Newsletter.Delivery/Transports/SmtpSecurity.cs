namespace Newsletter.Delivery.Transports;

/// <summary>How the SMTP connection is secured.</summary>
public enum SmtpSecurity
{
    /// <summary>Plain text; only for a relay on localhost or a trusted network.</summary>
    None,

    /// <summary>STARTTLS is required; the connection fails if the server does not offer it.</summary>
    StartTls,

    /// <summary>STARTTLS if offered, plain otherwise.</summary>
    StartTlsWhenAvailable,

    /// <summary>TLS from the first byte (usually port 465).</summary>
    SslOnConnect,
}
