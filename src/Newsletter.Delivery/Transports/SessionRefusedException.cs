namespace Newsletter.Delivery.Transports;

/// <summary>
/// The server can be reached but cannot be used with these settings: it refused the login, its TLS certificate failed
/// validation, or it does not offer the encryption that the settings require. Every message would fail the same way, so
/// this is neither a subscriber's failure nor worth retrying: a send pauses with this message, which says what to fix.
/// </summary>
public sealed class SessionRefusedException : DeliveryException
{
    public SessionRefusedException(string message, Exception? inner = null, int? replyCode = null, string? replyText = null)
        : base(message, replyCode, replyText, inner)
    {
    }
}
