using System.Data.Common;
using Newsletter.Core.Lists;

namespace Newsletter.Storage;

/// <summary>
/// The database behind every store, and the few things the stores do differently on SQLite and PostgreSQL. The stores
/// themselves (<see cref="SendStore"/>, <see cref="DeliveryClaims"/>, <see cref="IssueStore"/>, …) are written once, in SQL both understand.
/// </summary>
public abstract class StoreDatabase
{
    private readonly SemaphoreSlim _initLock = new(1, 1);
    private volatile bool _initialized;

    /// <summary>
    /// Creates or upgrades the schema, once per instance. Safe to call repeatedly and from several processes at once: each
    /// database makes concurrent migrations take turns (<see cref="MigrateAsync"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">The database was written by a newer version of the program.</exception>
    /// <exception cref="StoreUnavailableException">The database cannot be used at all (<see cref="Unavailable"/>).</exception>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (_initialized)
        {
            return;
        }

        await _initLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_initialized)
            {
                try
                {
                    await MigrateAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (Unavailable(ex) is { } unavailable && unavailable != ex)
                {
                    throw unavailable;
                }
                _initialized = true;
            }
        }
        finally
        {
            _initLock.Release();
        }
    }

    /// <summary>Brings the schema to this program's version, taking turns with other processes doing the same.</summary>
    /// <exception cref="InvalidOperationException">The database was written by a newer version of the program.</exception>
    protected abstract Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Proves the database is reachable and holds this program's schema right now, on a fresh connection rather than a
    /// pooled one (which can go on answering after the database is gone). Used by /healthz.
    /// </summary>
    /// <returns>The schema version found.</returns>
    /// <exception cref="InvalidOperationException">The database has no schema (it was emptied or replaced).</exception>
    public abstract Task<int> ProbeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Proves the store takes writes (a file not read-only, a login allowed to change the tables, a server not in recovery):
    /// deletes nothing from a real table inside a transaction that is rolled back. Used by <c>check</c>.
    /// </summary>
    /// <exception cref="DbException">The store refuses the write; the message says why.</exception>
    public async Task ProbeWriteAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        // A write statement, even one that matches no row, needs the write lock (SQLite) or the DELETE privilege and a
        // read-write session (PostgreSQL).
        command.CommandText = "DELETE FROM stories WHERE slug = ''";
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Which database this is, for messages: a file path, or a database and server (never a password).</summary>
    public abstract string Description { get; }

    /// <summary>
    /// What to tell the operator when <paramref name="exception"/> means the database cannot be used at all (read-only,
    /// locked, unreachable); null for any other error.
    /// </summary>
    public virtual StoreUnavailableException? Unavailable(Exception exception) => exception as StoreUnavailableException;

    /// <summary>
    /// True when <paramref name="exception"/> means the database cannot be reached or written right now and the same write may
    /// succeed later (a server restarting or stopped, a cut connection, a file locked past the busy timeout), as opposed to an
    /// error that waiting does not fix.
    /// </summary>
    public abstract bool IsUnreachable(Exception exception);

    /// <summary>Opens a connection with the schema in place. The caller disposes it.</summary>
    public abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Opens a connection for the delivery log's hot path (claims, outcomes, heartbeats, rate limits): a commit survives the
    /// process being killed, but not necessarily a crash of the machine or database server in the same instant.
    /// </summary>
    public virtual Task<DbConnection> OpenForDeliveryLogAsync(CancellationToken cancellationToken) => OpenAsync(cancellationToken);

    /// <summary>
    /// Makes transactions that name the same <paramref name="resource"/> run one at a time from here to their end, on every
    /// connection and process: the SQL equivalent of a lock around a read-then-write.
    /// </summary>
    internal abstract Task SerializeAsync(DbConnection connection, DbTransaction transaction, string resource, CancellationToken cancellationToken);

    /// <summary>
    /// The condition that selects the delivery <c>@deliveryId</c> for a claim when <paramref name="claimable"/> holds, so
    /// that exactly one of several concurrent claimers gets it and the others do not wait for it.
    /// </summary>
    internal abstract string ClaimableDelivery(string claimable);

    /// <summary>
    /// A condition that holds when the database server has been up for at least <c>@staleSeconds</c>: before that, every
    /// worker's heartbeat may be stale because the server was down, not because the workers died. True where there is no
    /// server to restart (SQLite).
    /// </summary>
    internal virtual string UpForStaleSeconds => "1 = 1";

    /// <summary>
    /// Inserts one delivery per subscriber of <paramref name="list"/> not already reached by this issue, numbered by position
    /// among the rows inserted (so every batch but the last is full), suppressed addresses as 'suppressed'. Runs inside the
    /// send's creation transaction. Returns how many rows were inserted.
    /// </summary>
    internal abstract Task<int> InsertDeliveriesAsync(DbConnection connection, DbTransaction transaction, long sendId, int issueNumber,
        MailingList list, int batchSize, CancellationToken cancellationToken);
}
