using Dapper;
using Microsoft.Data.Sqlite;
using Newsletter.Core.Lists;

namespace Newsletter.Storage;

/// <summary>The tables, versioned with <c>PRAGMA user_version</c>; each migration runs once, in order.</summary>
internal static class Schema
{
    private delegate Task Migration(SqliteConnection connection, SqliteTransaction transaction, CancellationToken cancellationToken);

    // Append new migrations; never edit a shipped one. Index i upgrades user_version i to i + 1.
    private static readonly Migration[] Migrations =
    [
        Sql("""
        CREATE TABLE IF NOT EXISTS stories (
            slug             TEXT PRIMARY KEY NOT NULL,
            section          TEXT NOT NULL CHECK (section IN ('intro', 'news', 'papers', 'media', 'closing')),
            title            TEXT NOT NULL,
            date             TEXT NOT NULL,            -- yyyy-MM-dd, so text order is date order
            source           TEXT NOT NULL,
            url              TEXT NULL,
            summary_markdown TEXT NOT NULL,
            takeaway         TEXT NULL,
            featured         INTEGER NOT NULL DEFAULT 0,
            priority         INTEGER NOT NULL DEFAULT 0,
            tags_json        TEXT NOT NULL DEFAULT '[]',
            venue            TEXT NULL,
            created_at       TEXT NOT NULL,
            updated_at       TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS stories_by_date ON stories (date);

        CREATE TABLE IF NOT EXISTS issues (
            number        INTEGER PRIMARY KEY NOT NULL,
            week_ending   TEXT NOT NULL UNIQUE,
            composed_at   TEXT NOT NULL,
            subject       TEXT NOT NULL,
            snapshot_json TEXT NOT NULL,               -- the whole Issue, stories included: frozen
            saved_at      TEXT NOT NULL
        );

        CREATE TABLE IF NOT EXISTS issue_stories (
            issue_number INTEGER NOT NULL REFERENCES issues (number),
            story_slug   TEXT NOT NULL,
            position     INTEGER NOT NULL,
            PRIMARY KEY (issue_number, story_slug)
        );
        CREATE INDEX IF NOT EXISTS issue_stories_by_slug ON issue_stories (story_slug);

        CREATE TABLE IF NOT EXISTS sends (
            id              INTEGER PRIMARY KEY NOT NULL,
            issue_number    INTEGER NOT NULL,
            list_name       TEXT NOT NULL,
            state           TEXT NOT NULL CHECK (state IN ('scheduled', 'running', 'paused', 'cancelled', 'finished')),
            pause_reason    TEXT NULL,
            batch_size      INTEGER NOT NULL CHECK (batch_size > 0),
            batch_count     INTEGER NOT NULL,
            recipient_count INTEGER NOT NULL,
            created_at      TEXT NOT NULL,
            scheduled_for   TEXT NULL,
            started_at      TEXT NULL,
            finished_at     TEXT NULL,
            UNIQUE (issue_number, list_name)
        );

        CREATE TABLE IF NOT EXISTS deliveries (
            id           INTEGER PRIMARY KEY NOT NULL,
            send_id      INTEGER NOT NULL REFERENCES sends (id),
            issue_number INTEGER NOT NULL,             -- copied from the send so one subscriber gets one delivery per issue
            batch_number INTEGER NOT NULL,
            position     INTEGER NOT NULL,             -- order within the send
            email        TEXT NOT NULL,
            name         TEXT NULL,
            state        TEXT NOT NULL DEFAULT 'pending'
                         CHECK (state IN ('pending', 'sending', 'deferred', 'sent', 'failed', 'suppressed', 'cancelled')),
            attempts     INTEGER NOT NULL DEFAULT 0,
            detail       TEXT NULL,
            claimed_by   TEXT NULL,
            claimed_at   TEXT NULL,
            updated_at   TEXT NULL,
            next_attempt_at  TEXT NULL,                -- when a deferred delivery is due again
            first_attempt_at TEXT NULL,                -- retries stop a retry window after this
            uncertain        INTEGER NOT NULL DEFAULT 0, -- resent after a crash or lost reply: the server may hold two copies
            message_id       TEXT NULL                  -- of the message the server accepted, to match bounces
        );
        -- A subscriber on two lists receives an issue once.
        CREATE UNIQUE INDEX IF NOT EXISTS deliveries_one_per_issue_and_email ON deliveries (issue_number, lower(email));
        CREATE INDEX IF NOT EXISTS deliveries_by_batch ON deliveries (send_id, batch_number, position);
        CREATE INDEX IF NOT EXISTS deliveries_by_issue_state ON deliveries (issue_number, state);
        CREATE INDEX IF NOT EXISTS deliveries_by_send_state ON deliveries (send_id, state);
        CREATE INDEX IF NOT EXISTS deliveries_by_claimant ON deliveries (claimed_by) WHERE state = 'sending';
        CREATE INDEX IF NOT EXISTS deliveries_by_message_id ON deliveries (message_id) WHERE message_id IS NOT NULL;

        -- Addresses never mailed again; list_name '' means every list.
        CREATE TABLE IF NOT EXISTS suppressions (
            email_lower TEXT NOT NULL,
            list_name   TEXT NOT NULL DEFAULT '',
            email       TEXT NOT NULL,
            reason      TEXT NOT NULL CHECK (reason IN ('unsubscribed', 'hard_bounce', 'soft_bounce', 'complaint', 'refused')),
            detail      TEXT NULL,
            created_at  TEXT NOT NULL,
            PRIMARY KEY (email_lower, list_name)
        );

        -- Processes that claim deliveries; a claim whose worker stopped beating is abandoned.
        CREATE TABLE IF NOT EXISTS workers (
            id           TEXT PRIMARY KEY NOT NULL,
            heartbeat_at TEXT NOT NULL
        );

        -- Shared rate limits (GCRA): the theoretical arrival time of the next message, in .NET ticks (UTC).
        CREATE TABLE IF NOT EXISTS rate_limits (
            key TEXT PRIMARY KEY NOT NULL,
            tat INTEGER NOT NULL
        );
        """),
        Sql("""
        -- Soft bounces (4.x.x, the sender gave up) by address and issue: one row per issue however many reports arrive,
        -- so an address is suppressed after soft bounces on N consecutive issues it was sent.
        CREATE TABLE IF NOT EXISTS soft_bounces (
            email_lower  TEXT NOT NULL,
            issue_number INTEGER NOT NULL,
            email        TEXT NOT NULL,
            status       TEXT NOT NULL,                -- the enhanced status code, e.g. 4.2.2
            detail       TEXT NULL,
            created_at   TEXT NOT NULL,
            PRIMARY KEY (email_lower, issue_number)
        );
        -- Bounces name an address, not a delivery: find what was sent to it, newest issue first.
        CREATE INDEX IF NOT EXISTS deliveries_by_email ON deliveries (lower(email), issue_number);
        """),
        KeyEmailAddressesAsync,
        // Version 4: each (issue, list)'s bodies, rendered when the send is created, so sending processes never run the templates.
        Sql("""
        CREATE TABLE IF NOT EXISTS issue_renderings (
            issue_number          INTEGER NOT NULL REFERENCES issues (number),
            list_name             TEXT NOT NULL,
            html                  TEXT NOT NULL,       -- the personal slots are the two tokens below
            text                  TEXT NOT NULL,
            greeting_name_token   TEXT NOT NULL,
            unsubscribe_url_token TEXT NOT NULL,
            rendered_at           TEXT NOT NULL,
            PRIMARY KEY (issue_number, list_name)
        );
        """),
        // Version 5: feedback-loop complaints, one row per delivery a reader reported as spam, so each send's complaint rate
        // can be read. The address is the delivery's; nothing more about the report is kept (the suppression says why).
        Sql("""
        CREATE TABLE IF NOT EXISTS complaints (
            delivery_id INTEGER PRIMARY KEY NOT NULL REFERENCES deliveries (id),
            send_id     INTEGER NOT NULL REFERENCES sends (id)
        );
        CREATE INDEX IF NOT EXISTS complaints_by_send ON complaints (send_id);
        """),
        // Version 6: readers who join a list from its signup form (double opt-in), kept here and never in the config file.
        Sql("""
        -- Confirmed readers, with the evidence of their consent: which text they were shown, when they asked, when they proved the address.
        CREATE TABLE IF NOT EXISTS joined_readers (
            list_name      TEXT NOT NULL,
            email_key      TEXT NOT NULL,
            email          TEXT NOT NULL,
            name           TEXT NULL,
            consent_sha256 TEXT NOT NULL,
            consented_at   TEXT NOT NULL,
            confirmed_at   TEXT NOT NULL,
            PRIMARY KEY (list_name, email_key)
        );
        -- Signups waiting for the emailed link: deleted when confirmed, and when the link expires.
        CREATE TABLE IF NOT EXISTS pending_signups (
            list_name      TEXT NOT NULL,
            email_key      TEXT NOT NULL,
            email          TEXT NOT NULL,
            name           TEXT NULL,
            consent_sha256 TEXT NOT NULL,
            requested_at   TEXT NOT NULL,           -- when the form was sent, and the confirmation mailed
            nonce          TEXT NOT NULL,           -- named by the mailed link; a link works once
            expires_at     TEXT NOT NULL,
            PRIMARY KEY (list_name, email_key)
        );
        CREATE INDEX IF NOT EXISTS pending_signups_by_expiry ON pending_signups (expires_at);
        """),
        // Version 7: click counts that cannot identify a reader. Each issue's story links (the redirect's only targets), and
        // per link and hour a count: no address, no user agent, no time finer than the hour.
        Sql("""
        CREATE TABLE IF NOT EXISTS tracked_links (
            issue_number INTEGER NOT NULL REFERENCES issues (number),
            link_id      INTEGER NOT NULL,
            url          TEXT NOT NULL,
            story_slug   TEXT NOT NULL,
            story_title  TEXT NOT NULL,
            section      TEXT NOT NULL,
            PRIMARY KEY (issue_number, link_id)
        );
        CREATE TABLE IF NOT EXISTS link_clicks (
            issue_number INTEGER NOT NULL,
            link_id      INTEGER NOT NULL,
            hour         TEXT NOT NULL,               -- the hour's start, UTC
            clicks       INTEGER NOT NULL,
            PRIMARY KEY (issue_number, link_id, hour)
        );
        """),
        // Version 8: the readers a send left out because another list's send of the same issue already held their delivery,
        // so that if that delivery is then suppressed on its list alone, the issue goes to them through this send instead
        // (DeliverySql.HandOver). handed_over: such a delivery was added after the send's batches were queued.
        Sql("""
        CREATE TABLE IF NOT EXISTS covered_readers (
            send_id    INTEGER NOT NULL REFERENCES sends (id),
            email_key  TEXT NOT NULL,
            email      TEXT NOT NULL,
            name       TEXT NULL,
            PRIMARY KEY (send_id, email_key)
        );
        CREATE INDEX IF NOT EXISTS covered_readers_by_key ON covered_readers (email_key);
        ALTER TABLE sends ADD COLUMN handed_over INTEGER NOT NULL DEFAULT 0;
        """),
    ];

    /// <summary>The version this program writes.</summary>
    public static int CurrentVersion => Migrations.Length;

    /// <param name="targetVersion">Stop at this version (tests build old stores with it); the current one when null.</param>
    public static async Task ApplyAsync(SqliteConnection connection, CancellationToken cancellationToken, int? targetVersion = null)
    {
        // WAL is a property of the file, not the connection: set once here, every later connection uses it.
        await using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode = WAL;";
            await wal.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        }

        // IMMEDIATE: two processes starting at once take turns instead of both migrating.
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "PRAGMA user_version;";
        var version = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        if (version > CurrentVersion)
        {
            throw new InvalidOperationException(
                $"The database {connection.DataSource} has schema version {version}, newer than this program's {CurrentVersion}; run a newer version of newsletter.");
        }

        for (var i = version; i < (targetVersion ?? CurrentVersion); i++)
        {
            await Migrations[i](connection, transaction, cancellationToken).ConfigureAwait(false);
            command.CommandText = $"PRAGMA user_version = {i + 1};";
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static Migration Sql(string text) => (connection, transaction, cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(text, transaction: transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// Version 3: every table that matches addresses gets an <c>email_key</c> column holding <see cref="EmailKey"/>, computed
    /// here in C# for the rows already stored. Before, the store matched with SQLite's <c>lower()</c>, which folds ASCII only,
    /// while unsubscribe tokens were lower-cased by .NET: <c>ÄDA@</c> unsubscribed and was still mailed.
    /// </summary>
    /// <remarks>
    /// Rows that become the same address under the new key are merged where the table allows one per address (the oldest
    /// suppression or soft bounce is kept). Deliveries are history and are never merged: when one issue went to two spellings
    /// of one address (the old bug), the first delivery (the sent one, if any) carries the key, the other keeps a NULL key, and
    /// if it had not been sent yet it is cancelled so the issue does not go to that person twice. The one-per-issue rule now
    /// ignores suppressed and cancelled rows, so an unsubscribe from one list never takes an issue away from another list.
    /// </remarks>
    private static async Task KeyEmailAddressesAsync(SqliteConnection connection, SqliteTransaction transaction, CancellationToken cancellationToken)
    {
        Task ExecuteAsync(string sql, object? parameters = null) =>
            connection.ExecuteAsync(new CommandDefinition(sql, parameters, transaction, cancellationToken: cancellationToken));

        await ExecuteAsync("""
            ALTER TABLE deliveries ADD COLUMN email_key TEXT NULL;
            CREATE TABLE suppressions_keyed (
                email_key   TEXT NOT NULL,
                list_name   TEXT NOT NULL DEFAULT '',
                email       TEXT NOT NULL,
                reason      TEXT NOT NULL CHECK (reason IN ('unsubscribed', 'hard_bounce', 'soft_bounce', 'complaint', 'refused')),
                detail      TEXT NULL,
                created_at  TEXT NOT NULL,
                PRIMARY KEY (email_key, list_name)
            );
            CREATE TABLE soft_bounces_keyed (
                email_key    TEXT NOT NULL,
                issue_number INTEGER NOT NULL,
                email        TEXT NOT NULL,
                status       TEXT NOT NULL,
                detail       TEXT NULL,
                created_at   TEXT NOT NULL,
                PRIMARY KEY (email_key, issue_number)
            );
            """).ConfigureAwait(false);

        // Deliveries: the first deliverable row of each (issue, key) keeps the key; a sent row goes first. Prepared statements:
        // a store of many issues holds millions of rows.
        var deliveries = await connection.QueryAsync<(long Id, long IssueNumber, string Email, string State)>(new CommandDefinition("""
            SELECT id, issue_number, email, state FROM deliveries
            ORDER BY issue_number, CASE state WHEN 'sent' THEN 0 ELSE 1 END, id
            """, transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await using (var setKey = Prepare(connection, transaction, "UPDATE deliveries SET email_key = $key WHERE id = $id", "$key", "$id"))
        await using (var cancel = Prepare(connection, transaction,
            "UPDATE deliveries SET state = 'cancelled', detail = 'not sent: this issue already goes to this address in another spelling' WHERE id = $id", "$id"))
        {
            var (keyed, cancelled) = EmailKeyBackfill.Plan(deliveries);
            foreach (var (id, key) in keyed)
            {
                await RunAsync(setKey, cancellationToken, key, id).ConfigureAwait(false);
            }
            foreach (var id in cancelled)
            {
                await RunAsync(cancel, cancellationToken, id).ConfigureAwait(false);
            }
        }

        // Suppressions and soft bounces, oldest first: where two spellings meet, the first recorded stays.
        var suppressions = await connection.QueryAsync<(string Email, string ListName, string Reason, string? Detail, string CreatedAt)>(new CommandDefinition(
            "SELECT email, list_name, reason, detail, created_at FROM suppressions ORDER BY created_at, rowid",
            transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await using (var insert = Prepare(connection, transaction, """
            INSERT INTO suppressions_keyed (email_key, list_name, email, reason, detail, created_at)
            VALUES ($key, $listName, $email, $reason, $detail, $createdAt) ON CONFLICT DO NOTHING
            """, "$key", "$listName", "$email", "$reason", "$detail", "$createdAt"))
        {
            foreach (var (email, listName, reason, detail, createdAt) in suppressions)
            {
                await RunAsync(insert, cancellationToken, EmailKey.Of(email).Value, listName, email, reason, detail, createdAt).ConfigureAwait(false);
            }
        }

        var softBounces = await connection.QueryAsync<(string Email, long IssueNumber, string Status, string? Detail, string CreatedAt)>(new CommandDefinition(
            "SELECT email, issue_number, status, detail, created_at FROM soft_bounces ORDER BY created_at, rowid",
            transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await using (var insert = Prepare(connection, transaction, """
            INSERT INTO soft_bounces_keyed (email_key, issue_number, email, status, detail, created_at)
            VALUES ($key, $issueNumber, $email, $status, $detail, $createdAt) ON CONFLICT DO NOTHING
            """, "$key", "$issueNumber", "$email", "$status", "$detail", "$createdAt"))
        {
            foreach (var (email, issueNumber, status, detail, createdAt) in softBounces)
            {
                await RunAsync(insert, cancellationToken, EmailKey.Of(email).Value, issueNumber, email, status, detail, createdAt).ConfigureAwait(false);
            }
        }

        await ExecuteAsync("""
            DROP TABLE suppressions;
            ALTER TABLE suppressions_keyed RENAME TO suppressions;
            DROP TABLE soft_bounces;
            ALTER TABLE soft_bounces_keyed RENAME TO soft_bounces;

            DROP INDEX deliveries_one_per_issue_and_email;
            DROP INDEX deliveries_by_email;
            -- One issue reaches an address once. Suppressed and cancelled rows do not count: someone unsubscribed from list A
            -- (or whose send to A was cancelled) still gets the issue through list B.
            CREATE UNIQUE INDEX deliveries_one_per_issue ON deliveries (issue_number, email_key) WHERE state NOT IN ('suppressed', 'cancelled');
            -- Bounces and suppression checks name an address: find its deliveries, newest issue first.
            CREATE INDEX deliveries_by_email_key ON deliveries (email_key, issue_number);
            """).ConfigureAwait(false);
    }

    private static SqliteCommand Prepare(SqliteConnection connection, SqliteTransaction transaction, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }
        command.Prepare();
        return command;
    }

    private static Task<int> RunAsync(SqliteCommand command, CancellationToken cancellationToken, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
        return command.ExecuteNonQueryAsync(cancellationToken);
    }
}
