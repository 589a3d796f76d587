namespace Newsletter.Delivery.Transports;

/// <summary>
/// Handing a message to a transport (or opening a session) failed: <see cref="Failure"/> says how, from a closed set, with the
/// server's reply and the mailbox it was about when there was one. The only exception type transports throw besides
/// <see cref="OperationCanceledException"/>, <see cref="Core.DiskFullException"/> and argument errors.
/// </summary>
public sealed class DeliveryException : Exception
{
    /// <param name="message">What happened, for a person: names the server and the reply.</param>
    public DeliveryException(DeliveryFailure failure, string message, int? replyCode = null, string? replyText = null, string? mailbox = null,
        Exception? inner = null)
        : base(message, inner)
    {
        Failure = failure;
        ReplyCode = replyCode;
        ReplyText = replyText;
        Mailbox = mailbox;
    }

    public DeliveryFailure Failure { get; }

    /// <summary>The SMTP reply code when a server answered (e.g. 550), otherwise <c>null</c>.</summary>
    public int? ReplyCode { get; }

    /// <summary>The SMTP reply text when a server answered, otherwise <c>null</c>.</summary>
    public string? ReplyText { get; }

    /// <summary>The address the reply was about (the refused recipient), when the server named one.</summary>
    public string? Mailbox { get; }

    /// <summary>
    /// Whether the failure was this message's alone, so the session goes on with the next one (unless the server also closed
    /// the connection, which <see cref="IMailTransportSession.IsUsable"/> tells).
    /// </summary>
    public bool SessionIsUsable => Failure is DeliveryFailure.RecipientRefused or DeliveryFailure.MessageDeferred or DeliveryFailure.MessageRefused;
}
