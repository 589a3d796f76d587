namespace Newsletter.Delivery.Transports;

/// <summary>
/// The server answered this message with a 4xx that is not throttling (e.g. <c>451 4.3.0</c> to RCPT TO, <c>452 4.2.2</c>
/// mailbox full): the recipient's transient failure. Defer that delivery and try it again later; the session is still usable
/// for the next recipient (the transaction was reset).
/// </summary>
public sealed class MessageDeferredException : DeliveryException
{
    public MessageDeferredException(int replyCode, string replyText, Exception? inner = null)
        : base($"Deferred by the server: {replyCode} {replyText}", replyCode, replyText, inner)
    {
    }
}
