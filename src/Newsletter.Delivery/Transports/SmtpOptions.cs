using System.ComponentModel.DataAnnotations;

namespace Newsletter.Delivery.Transports;

/// <summary>The SMTP relay. Section <c>Newsletter:Delivery:Smtp</c>.</summary>
public sealed class SmtpOptions
{
    /// <summary>Server host name; required when <see cref="DeliveryOptions.Transport"/> is <see cref="MailTransportKind.Smtp"/>.</summary>
    public string? Host { get; set; }

    [Range(1, 65535, ErrorMessage = "Newsletter:Delivery:Smtp:Port must be between 1 and 65535.")]
    public int Port { get; set; } = 25;

    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTlsWhenAvailable;

    /// <summary>Login name; when set, the session authenticates.</summary>
    public string? User { get; set; }

    /// <summary>Never in appsettings.json: set the environment variable <c>Newsletter__Delivery__Smtp__Password</c>.</summary>
    public string? Password { get; set; }

    /// <summary>Timeout for connecting and for each network operation.</summary>
    [Range(1, 3600, ErrorMessage = "Newsletter:Delivery:Smtp:TimeoutSeconds must be between 1 and 3600.")]
    public int TimeoutSeconds { get; set; } = 60;
}
