namespace Newsletter.Delivery.Transports;

/// <summary>The server refused this message permanently (5xx after DATA, e.g. 552 too large). Retrying it will not help; the session is still usable.</summary>
public sealed class MessageRejectedException : DeliveryException
{
    public MessageRejectedException(int replyCode, string replyText, Exception? inner = null)
        : base($"Message was rejected: {replyCode} {replyText}", replyCode, replyText, inner)
    {
    }
}
