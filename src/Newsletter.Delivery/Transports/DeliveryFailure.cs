namespace Newsletter.Delivery.Transports;

/// <summary>
/// Every way handing one message to a transport can fail, as a closed set (as MailKit's <c>SmtpErrorCode</c> is for SMTP
/// commands): a <see cref="DeliveryException"/> carries one, so the send engine decides on this value and never on a
/// transport library's exception types. The first three leave the session usable; the rest break it.
/// </summary>
public enum DeliveryFailure
{
    /// <summary>A 5xx to RCPT TO: this address is refused for good. The session stays usable.</summary>
    RecipientRefused,

    /// <summary>
    /// A 4xx that is not throttling, to RCPT TO or after the content (<c>451 4.3.0</c>, <c>452 4.2.2</c> mailbox full): this
    /// message's transient failure. The transaction was reset and the session stays usable for the next recipient.
    /// </summary>
    MessageDeferred,

    /// <summary>A 5xx after the content (e.g. <c>552</c> too large): this message is refused for good. The session stays usable.</summary>
    MessageRefused,

    /// <summary>A 5xx to MAIL FROM, or a 5xx where none makes sense: the server refuses us, not a subscriber; every message would fail.</summary>
    SenderRefused,

    /// <summary>
    /// The server can be reached but not used with these settings: it refused the login, its certificate failed validation, or
    /// it lacks the encryption or AUTH the settings require. Only a person can fix it; the message says what to change.
    /// </summary>
    SessionRefused,

    /// <summary>The server asks us to slow down: <c>421</c>, or a 4xx with an x.7.x enhanced status (<see cref="SmtpReplies.IsThrottling"/>).</summary>
    Throttled,

    /// <summary>
    /// No connection, or it was lost (I/O error, timeout, an unexpected reply) before the whole message was handed over, or
    /// (pickup) the file could not be written: the server cannot have taken it.
    /// </summary>
    ConnectionLost,

    /// <summary>
    /// The whole message was handed over but the server's final reply never came (the connection dropped, timed out, or we
    /// stopped while it was on its way): the server may have taken it, so sending it again may deliver it twice.
    /// </summary>
    ReplyLost,
}
