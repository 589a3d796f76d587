namespace Newsletter.Delivery.Transports;

/// <summary>Base of the failures a transport session reports. Catch the subclasses to decide what to do.</summary>
public abstract class DeliveryException : Exception
{
    protected DeliveryException(string message, int? replyCode, string? replyText, Exception? inner)
        : base(message, inner)
    {
        ReplyCode = replyCode;
        ReplyText = replyText;
    }

    /// <summary>The SMTP reply code when a server answered (e.g. 550), otherwise <c>null</c>.</summary>
    public int? ReplyCode { get; }

    /// <summary>The SMTP reply text when a server answered, otherwise <c>null</c>.</summary>
    public string? ReplyText { get; }
}
