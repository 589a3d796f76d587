using MimeKit;

namespace Newsletter.Delivery.Transports;

/// <summary>
/// One open channel to the transport. Not thread-safe: one session per worker, messages sent one at a time.
/// After a <see cref="DeliveryException"/> whose <see cref="DeliveryException.SessionIsUsable"/> is false, dispose it and open a new one.
/// </summary>
public interface IMailTransportSession : IAsyncDisposable
{
    /// <summary>False once a transient failure has broken the session.</summary>
    bool IsUsable { get; }

    /// <summary>Sends one message to its To recipients.</summary>
    /// <param name="message">The finished message; transports do not change it (a DKIM signature covers it).</param>
    /// <param name="envelopeSender">
    /// The SMTP MAIL FROM, where bounces go: <see cref="Messages.IssueMessageBuilder.EnvelopeSenderFor"/>, which may be a
    /// per-recipient VERP address. The pickup transport writes it as the file's first line, a Return-Path header.
    /// </param>
    /// <returns>The server's reply (SMTP) or where the message was written (pickup).</returns>
    /// <exception cref="DeliveryException">The message was not (or not certainly) taken; <see cref="DeliveryException.Failure"/> says how,
    /// from the closed set <see cref="DeliveryFailure"/>. Cancellation once the whole message is out is
    /// <see cref="DeliveryFailure.ReplyLost"/>: the server may have taken it.</exception>
    /// <exception cref="Core.DiskFullException">The disk the transport writes to is full (pickup); the session is now unusable.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled before the message was out; the session is now unusable.</exception>
    Task<string> SendAsync(MimeMessage message, MailboxAddress envelopeSender, CancellationToken ct);
}
