namespace Newsletter.Core.Errors;

/// <summary>
/// A send being waited for stopped before every delivery reached the server: it was paused (by an operator, the error budget
/// or a broken template), cancelled, halted by a full disk, or its deliveries are pending with no job left to send them.
/// What was sent stays sent; the message says how to carry on.
/// </summary>
public sealed class SendStoppedException(int issueNumber, int outstanding, string message) : NewsletterException(message)
{
    public int IssueNumber { get; } = issueNumber;

    /// <summary>Deliveries that were not sent (pending, in flight or deferred) when it stopped.</summary>
    public int Outstanding { get; } = outstanding;
}
