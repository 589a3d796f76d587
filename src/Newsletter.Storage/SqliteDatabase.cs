using System.Data.Common;
using Microsoft.Data.Sqlite;
using Newsletter.Core.Lists;
using Newsletter.Hosting;

namespace Newsletter.Storage;

/// <summary>
/// The SQLite file shared by the story store, the issue store and the delivery log: opens configured
/// connections and creates or upgrades the schema on first use.
/// </summary>
/// <remarks>
/// Several workers and processes write to the same file at once (Hangfire runs batches in parallel), so every
/// connection waits for locks (<c>busy_timeout</c>) instead of failing with "database is locked", and the file
/// is in WAL mode so readers never block the writer. Write transactions begin IMMEDIATE (the default of
/// <see cref="SqliteConnection.BeginTransaction()"/>) so two writers queue on the lock rather than deadlock.
/// </remarks>
public sealed class SqliteDatabase : StoreDatabase
{
    /// <summary>How long a statement waits for another connection's write lock before failing.</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(10);

    private static readonly object Configured = new();

    private readonly string _connectionString;

    /// <summary>
    /// The physical connections (sqlite3 handles, which the pool hands out again) that have their PRAGMAs; weak, so a handle
    /// the pool closes is forgotten with it.
    /// </summary>
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<SQLitePCL.sqlite3, object> _configured = new();

    /// <param name="path">The database file; created with its folder if missing.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    public SqliteDatabase(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            // Microsoft.Data.Sqlite retries SQLITE_BUSY itself until the command timeout, on top of busy_timeout: with 30 s, each
            // statement against a file locked by another process waited 30 s, and a command of three statements 90 s in silence.
            DefaultTimeout = (int)BusyTimeout.TotalSeconds,
        }.ToString();
    }

    /// <summary>The full path of the database file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public override string Description => Path;

    /// <summary>Creates the file, its folder and the schema if they are missing, or upgrades the schema.</summary>
    /// <exception cref="InvalidOperationException">The file was written by a newer version of the program.</exception>
    /// <exception cref="SqliteException">The file cannot be opened or is not a database.</exception>
    protected override async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var folder = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(folder))
        {
            PrivateFiles.CreateDirectory(folder);
        }
        // It holds every subscriber's address: owner-only, and SQLite's -wal and -shm files follow its mode.
        PrivateFiles.Prepare(Path);

        await using var connection = await OpenConfiguredAsync(cancellationToken).ConfigureAwait(false);
        await Schema.ApplyAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Opens a connection with the schema in place, busy timeout and foreign keys on. The caller disposes it.</summary>
    /// <exception cref="InvalidOperationException">The file was written by a newer version of the program.</exception>
    /// <exception cref="SqliteException">The file cannot be opened or is not a database.</exception>
    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await OpenConfiguredAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <remarks>
    /// Nothing to do: every write transaction here begins IMMEDIATE and so holds the file's one write lock to its end,
    /// which already serializes it with every other writer.
    /// </remarks>
    internal override Task SerializeAsync(DbConnection connection, DbTransaction transaction, string resource, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    /// <remarks>One UPDATE under SQLite's single write lock: of any number of claimers exactly one sees the row claimable.</remarks>
    internal override string ClaimableDelivery(string claimable) => $"id = @deliveryId AND {claimable}";

    /// <remarks>SQLITE_BUSY and SQLITE_LOCKED: another connection held the file's lock past the busy timeout.</remarks>
    public override bool IsUnreachable(Exception exception) => exception is SqliteException { SqliteErrorCode: 5 or 6 };

    /// <summary>
    /// Remembers <c>$email</c> (<c>$emailKey</c>, <c>$name</c>) as a reader of send <c>$sendId</c> covered by a live delivery
    /// of issue <c>$issueNumber</c> through another send; nothing when there is none (an address listed twice).
    /// </summary>
    private const string Cover = """
        INSERT INTO covered_readers (send_id, email_key, email, name)
        SELECT $sendId, $emailKey, $email, $name
        WHERE EXISTS (SELECT 1 FROM deliveries
                      WHERE issue_number = $issueNumber AND email_key = $emailKey AND send_id <> $sendId
                        AND state NOT IN ('suppressed', 'cancelled'))
        ON CONFLICT DO NOTHING
        """;

    internal override async Task<int> InsertDeliveriesAsync(DbConnection connection, DbTransaction transaction, long sendId, int issueNumber,
        MailingList list, int batchSize, CancellationToken cancellationToken)
    {
        // One prepared statement reused for every subscriber: 200k rows in one transaction take seconds, not minutes. The
        // one-per-issue index counts only deliverable rows: a subscriber with a live delivery of this issue through another
        // list is left out, but one suppressed (or cancelled) there is recorded here and mailed if this list may.
        var inserted = 0;
        await using var insert = ((SqliteConnection)connection).CreateCommand();
        insert.Transaction = (SqliteTransaction)transaction;
        insert.CommandText = """
            INSERT INTO deliveries (send_id, issue_number, batch_number, position, email, email_key, name, state, detail)
            SELECT $sendId, $issueNumber, $batchNumber, $position, $email, $emailKey, $name,
                   CASE WHEN reason IS NULL THEN 'pending' ELSE 'suppressed' END,
                   CASE WHEN reason IS NULL THEN NULL ELSE 'suppressed (' || reason || ')' END
            FROM (SELECT (SELECT reason FROM suppressions
                          WHERE email_key = $emailKey AND list_name IN ('', $listName) LIMIT 1) AS reason)
            WHERE true -- SQLite needs a WHERE before an upsert's ON CONFLICT in INSERT ... SELECT
            ON CONFLICT DO NOTHING
            """;
        insert.Parameters.AddWithValue("$sendId", sendId);
        insert.Parameters.AddWithValue("$listName", list.Name);
        insert.Parameters.AddWithValue("$issueNumber", issueNumber);
        var batchNumber = insert.Parameters.Add("$batchNumber", SqliteType.Integer);
        var position = insert.Parameters.Add("$position", SqliteType.Integer);
        var email = insert.Parameters.Add("$email", SqliteType.Text);
        var emailKey = insert.Parameters.Add("$emailKey", SqliteType.Text);
        var name = insert.Parameters.Add("$name", SqliteType.Text);
        insert.Prepare();
        // A subscriber left out for a live delivery through another send of this issue is remembered as covered by it.
        await using var cover = ((SqliteConnection)connection).CreateCommand();
        cover.Transaction = (SqliteTransaction)transaction;
        cover.CommandText = Cover;
        cover.Parameters.AddWithValue("$sendId", sendId);
        cover.Parameters.AddWithValue("$issueNumber", issueNumber);
        var coverEmail = cover.Parameters.Add("$email", SqliteType.Text);
        var coverKey = cover.Parameters.Add("$emailKey", SqliteType.Text);
        var coverName = cover.Parameters.Add("$name", SqliteType.Text);
        cover.Prepare();

        foreach (var subscriber in list.Subscribers)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Batches are numbered by position among the rows actually inserted, so every batch but the last is full.
            batchNumber.Value = inserted / batchSize;
            position.Value = inserted;
            email.Value = subscriber.Email;
            emailKey.Value = EmailKey.Of(subscriber.Email).Value;
            name.Value = (object?)subscriber.Name ?? DBNull.Value;
            // Zero rows: the subscriber already has a deliverable delivery of this issue through another list (or is listed twice).
            if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
            {
                inserted++;
                continue;
            }
            coverEmail.Value = email.Value;
            coverKey.Value = emailKey.Value;
            coverName.Value = name.Value;
            await cover.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        return inserted;
    }

    /// <summary>
    /// Proves the database file is there and readable right now: once the store is set up (on the first call, if nothing
    /// else has used it yet), opens a fresh, unpooled, read-only connection, which cannot create the file, and reads the
    /// schema version. A pooled connection would not do: it keeps a deleted file open and goes on answering from it, while
    /// everything written to it vanishes at the next restart.
    /// </summary>
    /// <returns>The schema version of the file.</returns>
    /// <exception cref="SqliteException">The file is missing, unreadable or not a database.</exception>
    /// <exception cref="InvalidOperationException">The file has no schema (it was replaced by an empty database).</exception>
    public override async Task<int> ProbeAsync(CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        var probe = new SqliteConnectionStringBuilder(_connectionString) { Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();
        await using var connection = new SqliteConnection(probe);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version;";
        var version = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        if (version == 0)
        {
            throw new InvalidOperationException($"The database {Path} has no schema: it is empty or was replaced.");
        }
        return version;
    }

    /// <summary>
    /// What to tell the operator when <paramref name="exception"/> means the file cannot be used (read-only, locked by another
    /// process, folder not creatable); null for any other error.
    /// </summary>
    public override StoreUnavailableException? Unavailable(Exception exception)
    {
        var folder = System.IO.Path.GetDirectoryName(Path) ?? ".";
        const string Fix = "Make the folder and the file writable by the user running newsletter (chown or chmod), or set Newsletter:Store:Path to a writable place.";
        return exception switch
        {
            StoreUnavailableException known => known,
            SqliteException { SqliteErrorCode: 5 or 6 } => new StoreUnavailableException(Path,
                $"{Path} is locked by another process, which held it for more than {BusyTimeout.TotalSeconds:0} s. Another newsletter command may be " +
                "busy (let it finish), or a program such as the sqlite3 shell or a backup tool holds it in an open transaction: end that, then run this again.",
                exception),
            SqliteException { SqliteErrorCode: 3 or 8 } => new StoreUnavailableException(Path,
                $"{Path} cannot be written: the file, or its folder {folder} (where SQLite creates {System.IO.Path.GetFileName(Path)}-wal and -shm), is read-only. {Fix}",
                exception),
            SqliteException { SqliteErrorCode: 14 } => new StoreUnavailableException(Path,
                $"{Path} cannot be opened or created: its folder {folder} is not writable (or the file is not readable). {Fix}", exception),
            UnauthorizedAccessException or IOException when !Directory.Exists(folder) => new StoreUnavailableException(Path,
                $"The folder {folder} for {Path} cannot be created: {exception.Message} {Fix}", exception),
            // Creating the file owner-only ourselves (before SQLite does) meets a read-only folder first.
            UnauthorizedAccessException => new StoreUnavailableException(Path,
                $"{Path} cannot be opened or created: its folder {folder} is not writable (or the file is not readable). {Fix}", exception),
            _ => null,
        };
    }

    private async Task<SqliteConnection> OpenConfiguredAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            // Per-connection settings, which a pooled connection keeps: applied once per physical connection (its sqlite3
            // handle), not on every open. Re-applying them cost three statements per open, and the delivery log opens a
            // connection for every claim and outcome.
            if (_configured.TryAdd(connection.Handle!, Configured))
            {
                try
                {
                    await using var pragma = connection.CreateCommand();
                    // synchronous = NORMAL in WAL mode: a commit survives the process being killed (the scenario the delivery log is
                    // built for) without an fsync per write, which cost 2.7 ms per claim or outcome here (benchmark) against 0.03 ms.
                    // What it gives up: after a power cut the last commits may be lost, so a message sent just before it can be sent
                    // again. FULL would make every delivery-log write wait for the disk.
                    pragma.CommandText = $"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds}; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;";
                    await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    _configured.Remove(connection.Handle!);
                    throw;
                }
            }
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
