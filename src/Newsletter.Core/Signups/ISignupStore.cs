using Newsletter.Core.Lists;

namespace Newsletter.Core.Signups;

/// <summary>
/// Readers who join lists from the web, kept in the store (never in the config file): signups waiting for their address to
/// be proved, and the readers who proved it. Addresses are matched by their <see cref="EmailKey"/>.
/// </summary>
public interface ISignupStore
{
    /// <summary>
    /// Records a signup waiting for confirmation and decides whether a confirmation mail may go: not when one went to this
    /// address for this list less than <paramref name="mailInterval"/> ago. Expired signups of every address are deleted first.
    /// </summary>
    /// <param name="validFor">How long the mailed link works; the waiting signup is deleted after that.</param>
    /// <returns>The nonce to put in the mailed link (it replaces any earlier link's), or null when no mail may go now.</returns>
    Task<string?> RequestAsync(SignupRequest request, TimeSpan validFor, TimeSpan mailInterval, CancellationToken cancellationToken);

    /// <summary>Forgets a waiting signup whose mail could not be sent, so that the reader may ask again at once.</summary>
    Task WithdrawAsync(string listName, string email, string nonce, CancellationToken cancellationToken);

    /// <summary>
    /// Turns the waiting signup with this <paramref name="nonce"/> into a joined reader, once: the waiting row is deleted in
    /// the same transaction, so a second use of the link finds nothing.
    /// </summary>
    /// <returns>The reader as now stored, or null when no waiting signup has that nonce (used, replaced by a newer link, expired, withdrawn).</returns>
    Task<JoinedReader?> ConfirmAsync(string listName, string email, string nonce, CancellationToken cancellationToken);

    /// <summary>The confirmed readers of a list, in the order they confirmed.</summary>
    Task<IReadOnlyList<JoinedReader>> ListJoinedAsync(string listName, CancellationToken cancellationToken);

    /// <summary>Whether the address has joined the list.</summary>
    Task<bool> IsJoinedAsync(string listName, string email, CancellationToken cancellationToken);

    /// <summary>Deletes a joined reader (and any waiting signup) of the list: an operator's removal, or a reader's erasure request.</summary>
    /// <returns><c>true</c> when a joined reader was deleted.</returns>
    Task<bool> RemoveAsync(string listName, string email, CancellationToken cancellationToken);

    /// <summary>Deletes the waiting signups whose link has expired.</summary>
    /// <returns>How many were deleted.</returns>
    Task<int> PurgeExpiredAsync(CancellationToken cancellationToken);
}
