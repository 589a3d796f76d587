namespace Newsletter.Delivery.Transports;

/// <summary>Where <see cref="IMailTransport"/> sends: files in a folder, or an SMTP server.</summary>
public enum MailTransportKind
{
    Pickup,
    Smtp,
}
