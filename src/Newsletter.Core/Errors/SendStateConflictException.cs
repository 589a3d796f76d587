using Newsletter.Core.Deliveries;

namespace Newsletter.Core.Errors;

/// <summary>
/// The send cannot do what was asked in the state it is in: resume or queue a cancelled send, queue a paused one without resuming
/// it, pause or cancel a finished one, or give a waiting send another time. Nothing was changed.
/// </summary>
public sealed class SendStateConflictException(Send send, string message) : NewsletterException(message)
{
    /// <summary>The send as it was when the request was refused.</summary>
    public Send Send { get; } = send;
}
