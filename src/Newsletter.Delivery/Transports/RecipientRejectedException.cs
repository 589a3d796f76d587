namespace Newsletter.Delivery.Transports;

/// <summary>The server refused this recipient permanently (5xx on RCPT TO). Mark the recipient failed and go on; the session is still usable.</summary>
public sealed class RecipientRejectedException : DeliveryException
{
    public RecipientRejectedException(string recipient, int replyCode, string replyText, Exception? inner = null)
        : base($"Recipient {recipient} was rejected: {replyCode} {replyText}", replyCode, replyText, inner)
    {
        Recipient = recipient;
    }

    /// <summary>The refused address.</summary>
    public string Recipient { get; }
}
