using Microsoft.Data.Sqlite;
using Newsletter.Core;

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
public sealed class SqliteDatabase
{
    /// <summary>How long a statement waits for another connection's write lock before failing.</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(10);

    private readonly string _connectionString;
    private readonly SemaphoreSlim _initLock = new(1, 1);
    private volatile bool _initialized;

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

    /// <summary>Creates the file, its folder and the schema if they are missing. Safe to call repeatedly and from several processes.</summary>
    /// <exception cref="InvalidOperationException">The file was written by a newer version of the program.</exception>
    /// <exception cref="StoreUnavailableException">The folder or file is read-only, or another process holds the file locked.</exception>
    /// <exception cref="SqliteException">The file cannot be opened or is not a database.</exception>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (_initialized)
        {
            return;
        }

        await _initLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_initialized)
            {
                return;
            }

            var folder = System.IO.Path.GetDirectoryName(Path);
            try
            {
                if (!string.IsNullOrEmpty(folder))
                {
                    PrivateFiles.CreateDirectory(folder);
                }
                // It holds every subscriber's address: owner-only, and SQLite's -wal and -shm files follow its mode.
                PrivateFiles.Prepare(Path);

                await using var connection = await OpenConfiguredAsync(cancellationToken).ConfigureAwait(false);
                await Schema.ApplyAsync(connection, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (Unavailable(ex) is { } unavailable)
            {
                throw unavailable;
            }
            _initialized = true;
        }
        finally
        {
            _initLock.Release();
        }
    }

    /// <summary>Opens a connection with the schema in place, busy timeout and foreign keys on. The caller disposes it.</summary>
    /// <exception cref="InvalidOperationException">The file was written by a newer version of the program.</exception>
    /// <exception cref="SqliteException">The file cannot be opened or is not a database.</exception>
    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await OpenConfiguredAsync(cancellationToken).ConfigureAwait(false);
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
    public async Task<int> ProbeAsync(CancellationToken cancellationToken)
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
    public StoreUnavailableException? Unavailable(Exception exception)
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
            await using var pragma = connection.CreateCommand();
            // Per-connection settings: pooled connections keep them, but re-applying is cheap and keeps the rule simple.
            // synchronous = NORMAL in WAL mode: a commit survives the process being killed (the scenario the delivery log is
            // built for) without an fsync per write, which cost 2.7 ms per claim or outcome here (benchmark) against 0.03 ms.
            // What it gives up: after a power cut the last commits may be lost, so a message sent just before it can be sent
            // again. FULL would make every delivery-log write wait for the disk.
            pragma.CommandText = $"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds}; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;";
            await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
