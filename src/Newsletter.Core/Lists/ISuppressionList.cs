namespace Newsletter.Core.Lists;

/// <summary>The addresses never to mail again. It always wins over the config file. Addresses compare case-insensitively.</summary>
public interface ISuppressionList
{
    /// <summary>Adds the suppression; adding one that exists (same address and list) changes nothing.</summary>
    /// <returns><c>true</c> when it was new.</returns>
    Task<bool> AddAsync(string email, string? listName, SuppressionReason reason, string? detail, CancellationToken cancellationToken);

    /// <summary>Removes every suppression of the address (all lists and reasons).</summary>
    /// <returns>How many were removed.</returns>
    Task<int> RemoveAsync(string email, CancellationToken cancellationToken);

    /// <summary>
    /// Removes the suppression of the address on one list if it has that reason (a subscriber resubscribing lifts their own
    /// unsubscribe, never a bounce or a list-wide suppression).
    /// </summary>
    /// <returns><c>true</c> when one was removed.</returns>
    Task<bool> RemoveAsync(string email, string listName, SuppressionReason reason, CancellationToken cancellationToken);

    /// <summary>Whether the address may not be mailed on the list (a list-wide or an everywhere suppression).</summary>
    Task<bool> IsSuppressedAsync(string email, string listName, CancellationToken cancellationToken);

    /// <summary>Every suppression of one address (all lists and reasons).</summary>
    Task<IReadOnlyList<Suppression>> FindAsync(string email, CancellationToken cancellationToken);

    /// <summary>Every suppression, newest first.</summary>
    Task<IReadOnlyList<Suppression>> ListAsync(CancellationToken cancellationToken);
}
