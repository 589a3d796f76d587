using System.Data.Common;
using Dapper;
using Newsletter.Core.Lists;
using Npgsql;

namespace Newsletter.Storage;

/// <summary>
/// A PostgreSQL database shared by every process that sends: pooled connections, the schema created or upgraded on first
/// use, and PostgreSQL's own ways of letting many workers share rows (<c>FOR UPDATE SKIP LOCKED</c>, advisory locks).
/// </summary>
public sealed class PostgreSqlDatabase : StoreDatabase, IAsyncDisposable
{
    private readonly NpgsqlDataSource _durable;
    private readonly NpgsqlDataSource _deliveryLog;
    private readonly string _connectionString;

    /// <param name="connectionString">An Npgsql connection string, password included.</param>
    /// <exception cref="ArgumentException">The connection string does not parse.</exception>
    public PostgreSqlDatabase(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _connectionString = connectionString;
        _durable = NpgsqlDataSource.Create(connectionString);

        // synchronous_commit = off for the delivery log's hot path, the PostgreSQL twin of SQLite's synchronous = NORMAL under
        // WAL (SqliteDatabase): a commit is in the server's memory when it returns and on disk within about 0.6 s (3 x
        // wal_writer_delay). A killed worker loses nothing it committed; only a crash of the database server itself can lose the
        // last fraction of a second of claims and outcomes, which at worst sends those few messages again. It matters: one-row
        // UPDATE commits ran at 541/s with it on and 18,400/s off on one connection here (pgbench, 5 s each), and a message costs
        // two such commits. Issues, stories and suppressions keep full durability: they are few and an operator typed them.
        var relaxed = new NpgsqlConnectionStringBuilder(connectionString);
        relaxed.Options = string.IsNullOrWhiteSpace(relaxed.Options) ? "-c synchronous_commit=off" : relaxed.Options + " -c synchronous_commit=off";
        _deliveryLog = NpgsqlDataSource.Create(relaxed.ConnectionString);

        var described = new NpgsqlConnectionStringBuilder(connectionString);
        Description = $"database '{described.Database}' on {described.Host}:{described.Port}";
    }

    /// <inheritdoc />
    public override string Description { get; }

    /// <remarks>
    /// The server cannot be reached, refuses the login or has no such database: Npgsql's own messages name none of the
    /// settings to change.
    /// </remarks>
    public override StoreUnavailableException? Unavailable(Exception exception) => exception switch
    {
        StoreUnavailableException known => known,
        PostgresException { SqlState: "28P01" or "28000" } => new StoreUnavailableException(Description,
            $"The PostgreSQL {Description} refused the login ({exception.Message}). Check the user in Newsletter:Store:ConnectionString " +
            "and the password in the environment variable Newsletter__Store__Password.", exception),
        PostgresException { SqlState: "3D000" } => new StoreUnavailableException(Description,
            $"The PostgreSQL {Description} does not exist ({exception.Message}). Create it (createdb) or fix Database= in Newsletter:Store:ConnectionString.",
            exception),
        NpgsqlException { InnerException: System.Net.Sockets.SocketException or TimeoutException } => new StoreUnavailableException(Description,
            $"The PostgreSQL {Description} cannot be reached ({exception.InnerException!.Message}). Start the server or fix Host= and Port= in " +
            "Newsletter:Store:ConnectionString.", exception),
        _ => null,
    };

    /// <remarks>
    /// Connection errors (class 08), the server shutting down or starting up (57P01–57P03), insufficient resources (class 53,
    /// a full disk among them), and what Npgsql itself calls transient (a broken stream, a timeout).
    /// </remarks>
    public override bool IsUnreachable(Exception exception) => exception switch
    {
        PostgresException pg => pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState.StartsWith("53", StringComparison.Ordinal)
                                || pg.SqlState is "57P01" or "57P02" or "57P03",
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is IOException or System.Net.Sockets.SocketException or TimeoutException,
        _ => false,
    };

    /// <remarks>The server's own start time, so a restart or a stop and start counts, whichever process noticed it.</remarks>
    internal override string UpForStaleSeconds => "pg_postmaster_start_time() < now() - make_interval(secs => @staleSeconds)";

    /// <exception cref="NpgsqlException">The server cannot be reached or refuses the login.</exception>
    protected override async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _durable.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await PostgreSqlSchema.ApplyAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    /// <remarks>An unpooled connection: a pooled one proves only that the pool once reached the server.</remarks>
    /// <exception cref="NpgsqlException">The server cannot be reached or refuses the login.</exception>
    public override async Task<int> ProbeAsync(CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        var probe = new NpgsqlConnectionStringBuilder(_connectionString) { Pooling = false };
        await using var connection = new NpgsqlConnection(probe.ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        var version = await connection.ExecuteScalarAsync<int?>(new CommandDefinition(
            "SELECT max(version) FROM schema_version", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return version is > 0 ? version.Value : throw new InvalidOperationException($"The PostgreSQL {Description} has no schema: it was emptied or replaced.");
    }

    /// <exception cref="NpgsqlException">The server cannot be reached or refuses the login.</exception>
    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await _durable.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <exception cref="NpgsqlException">The server cannot be reached or refuses the login.</exception>
    public override async Task<DbConnection> OpenForDeliveryLogAsync(CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await _deliveryLog.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs <paramref name="action"/> while holding the schema lock on a session of its own, so work that creates tables
    /// outside our transactions (Hangfire's own schema) is not raced by another process starting at the same moment.
    /// </summary>
    public async Task<T> WhileMigratingAsync<T>(Func<T> action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        await using var connection = await _durable.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(hashtextextended(@key, 0))",
            new { key = PostgreSqlSchema.MigrationLock }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        try
        {
            return action();
        }
        finally
        {
            await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_unlock(hashtextextended(@key, 0))",
                new { key = PostgreSqlSchema.MigrationLock }, cancellationToken: CancellationToken.None)).ConfigureAwait(false);
        }
    }

    /// <remarks>A transaction-scoped advisory lock: released at commit or rollback, or when a killed client's session ends.</remarks>
    internal override async Task SerializeAsync(DbConnection connection, DbTransaction transaction, string resource, CancellationToken cancellationToken) =>
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(hashtextextended(@resource, 0))",
            new { resource }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);

    /// <remarks>
    /// <c>FOR UPDATE SKIP LOCKED</c>: a row another worker is claiming this instant is passed over at once instead of waited
    /// for and re-checked, so workers on many machines racing for the same batch never queue behind each other's commits.
    /// </remarks>
    internal override string ClaimableDelivery(string claimable) =>
        $"id = (SELECT id FROM deliveries WHERE id = @deliveryId AND {claimable} FOR UPDATE SKIP LOCKED)";

    /// <remarks>
    /// One statement over arrays instead of a round trip per subscriber: 200,000 rows in a few seconds. The caller holds the
    /// issue's lock (<see cref="SerializeAsync"/>), so no other send of the issue inserts between the check and the insert.
    /// </remarks>
    internal override async Task<int> InsertDeliveriesAsync(DbConnection connection, DbTransaction transaction, long sendId, int issueNumber,
        MailingList list, int batchSize, CancellationToken cancellationToken)
    {
        var subscribers = list.Subscribers.ToList();
        var emails = subscribers.Select(s => s.Email).ToArray();
        var keys = subscribers.Select(s => EmailKey.Of(s.Email).Value).ToArray();
        var names = subscribers.Select(s => s.Name).ToArray();

        // The one-per-issue rule counts only deliverable rows (the partial unique index): a subscriber with a live delivery of
        // this issue through another list is left out, but one suppressed (or cancelled) there is recorded here and mailed
        // if this list may.
        var inserted = await connection.ExecuteAsync(new CommandDefinition("""
            WITH listed AS (
                SELECT email, email_key, name, ordinal
                FROM unnest(@emails::text[], @keys::text[], @names::text[]) WITH ORDINALITY AS s (email, email_key, name, ordinal)
            ),
            first_of_each AS (      -- an address listed twice is sent once, at its first place
                SELECT DISTINCT ON (email_key) email, email_key, name, ordinal FROM listed ORDER BY email_key, ordinal
            ),
            fresh AS (              -- and not at all if another list's send of this issue will deliver it
                SELECT email, email_key, name, row_number() OVER (ORDER BY ordinal) - 1 AS position FROM first_of_each
                WHERE NOT EXISTS (SELECT 1 FROM deliveries d
                                  WHERE d.issue_number = @issueNumber AND d.email_key = first_of_each.email_key
                                    AND d.state NOT IN ('suppressed', 'cancelled'))
            )
            INSERT INTO deliveries (send_id, issue_number, batch_number, position, email, email_key, name, state, detail)
            SELECT @sendId, @issueNumber, position / @batchSize, position, email, email_key, name,
                   CASE WHEN s.reason IS NULL THEN 'pending' ELSE 'suppressed' END,
                   CASE WHEN s.reason IS NULL THEN NULL ELSE 'suppressed (' || s.reason || ')' END
            FROM fresh
            LEFT JOIN LATERAL (SELECT reason FROM suppressions
                               WHERE suppressions.email_key = fresh.email_key AND list_name IN ('', @listName) LIMIT 1) AS s ON true
            ORDER BY position
            """,
            new { emails, keys, names, sendId, issueNumber, batchSize, listName = list.Name }, transaction,
            commandTimeout: 600, cancellationToken: cancellationToken)).ConfigureAwait(false);

        // Those left out for a live delivery through another send of this issue are remembered as covered by it (DeliverySql.HandOver).
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO covered_readers (send_id, email_key, email, name)
            SELECT DISTINCT ON (email_key) @sendId, email_key, email, name
            FROM unnest(@emails::text[], @keys::text[], @names::text[]) WITH ORDINALITY AS s (email, email_key, name, ordinal)
            WHERE EXISTS (SELECT 1 FROM deliveries d
                          WHERE d.issue_number = @issueNumber AND d.email_key = s.email_key AND d.send_id <> @sendId
                            AND d.state NOT IN ('suppressed', 'cancelled'))
            ORDER BY email_key, ordinal
            ON CONFLICT DO NOTHING
            """,
            new { emails, keys, names, sendId, issueNumber }, transaction, commandTimeout: 600, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return inserted;
    }

    public async ValueTask DisposeAsync()
    {
        await _durable.DisposeAsync().ConfigureAwait(false);
        await _deliveryLog.DisposeAsync().ConfigureAwait(false);
    }
}
