namespace Newsletter.Core.Bounces;

/// <summary>
/// The mailbox delivery status notifications arrive in, as the bounce rules see it: open it, read what waits, set each message
/// aside once it is handled. Nothing is ever deleted. The IMAP adapter (<c>Newsletter.Delivery.Transports.ImapBounceMailbox</c>)
/// implements it; another protocol would be another implementation beside it.
/// </summary>
public interface IBounceMailbox
{
    /// <summary>Connects, logs in and opens the folder bounces arrive in (creating the folders handled mail goes to, if needed).</summary>
    /// <exception cref="BounceMailboxException">The server cannot be reached, its certificate or the login is refused, or the folder does not exist.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    Task<IBounceMailboxSession> OpenAsync(CancellationToken cancellationToken);
}
