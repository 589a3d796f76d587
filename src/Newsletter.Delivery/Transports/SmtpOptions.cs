using System.ComponentModel.DataAnnotations;
using Newsletter.Delivery.Tls;

namespace Newsletter.Delivery.Transports;

/// <summary>The SMTP relay. Section <c>Newsletter:Delivery:Smtp</c>.</summary>
public sealed class SmtpOptions
{
    /// <summary>Server host name; required when <see cref="DeliveryOptions.Transport"/> is <see cref="MailTransportKind.Smtp"/>.</summary>
    public string? Host { get; set; }

    [Range(1, 65535, ErrorMessage = "Newsletter:Delivery:Smtp:Port must be between 1 and 65535.")]
    public int Port { get; set; } = 25;

    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTlsWhenAvailable;

    /// <summary>
    /// A PEM file of CA certificates trusted in addition to this machine's store, for a private relay whose certificate comes
    /// from your own CA. A relative path is resolved against the folder holding appsettings.json. Checked at start.
    /// </summary>
    public string? TrustedCaFile { get; set; }

    /// <summary>What to do when the relay certificate's revocation status cannot be learned; see <see cref="Tls.CertificateRevocation"/>.</summary>
    public CertificateRevocation CertificateRevocation { get; set; } = CertificateRevocation.SoftFail;

    /// <summary>Login name; when set, the session authenticates.</summary>
    public string? User { get; set; }

    /// <summary>Never in appsettings.json: set the environment variable <c>Newsletter__Delivery__Smtp__Password</c>.</summary>
    public string? Password { get; set; }

    /// <summary>Timeout for connecting and for each network operation.</summary>
    [Range(1, 3600, ErrorMessage = "Newsletter:Delivery:Smtp:TimeoutSeconds must be between 1 and 3600.")]
    public int TimeoutSeconds { get; set; } = 60;
}
