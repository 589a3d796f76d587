namespace Newsletter.Delivery.Transports;

/// <summary>
/// A temporary or connection-level failure (4xx, I/O error, timeout, lost connection, refused login).
/// The session that threw it is unusable: dispose it, reconnect and retry later.
/// </summary>
public sealed class TransientDeliveryException : DeliveryException
{
    public TransientDeliveryException(string message, Exception? inner = null, int? replyCode = null, string? replyText = null, bool mayHaveBeenAccepted = false)
        : base(message, replyCode, replyText, inner)
    {
        MayHaveBeenAccepted = mayHaveBeenAccepted;
    }

    /// <summary>
    /// True when the whole message had been transmitted but the server's final reply was not received,
    /// so the server may have taken it: retrying may deliver it twice. Conservative: true whenever the
    /// message body had been fully written before the failure.
    /// </summary>
    public bool MayHaveBeenAccepted { get; }

    /// <summary>The server asked us to slow down (<see cref="SmtpReplies.IsThrottling"/>): back off on this connection.</summary>
    public bool IsThrottling => SmtpReplies.IsThrottling(ReplyCode, ReplyText);
}
