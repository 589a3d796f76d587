namespace Newsletter.Core.Bounces;

/// <summary>
/// One open connection to the bounce mailbox. Not thread-safe: one pass reads and sets aside one message at a time.
/// Dispose it when done; <see cref="CloseAsync"/> first says goodbye to the server.
/// </summary>
public interface IBounceMailboxSession : IAsyncDisposable
{
    /// <summary>The folder being read, as the server names it.</summary>
    string Folder { get; }

    /// <summary>The ids of the messages waiting (not yet set aside), in mailbox order.</summary>
    Task<IReadOnlyList<uint>> FindWaitingAsync(CancellationToken cancellationToken);

    /// <summary>The raw message (RFC 5322), to be parsed by the caller.</summary>
    Task<Stream> ReadAsync(uint id, CancellationToken cancellationToken);

    /// <summary>Takes a message out of the waiting set, so the next pass does not read it again.</summary>
    /// <returns>Where it went, for the log and the CLI, e.g. <c>moved to Processed</c> or <c>marked seen</c>.</returns>
    Task<string> SetAsideAsync(uint id, BounceDisposition disposition, CancellationToken cancellationToken);

    /// <summary>Logs out cleanly; disposing without it just drops the connection.</summary>
    Task CloseAsync(CancellationToken cancellationToken);
}
