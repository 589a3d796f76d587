using Microsoft.Data.Sqlite;

namespace Newsletter.Storage;

/// <summary>The tables, versioned with <c>PRAGMA user_version</c>; each migration runs once, in order.</summary>
internal static class Schema
{
    // Append new migrations; never edit a shipped one. Index i upgrades user_version i to i + 1.
    private static readonly string[] Migrations =
    [
        """
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
        """,
        """
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
        """,
    ];

    /// <summary>The version this program writes.</summary>
    public static int CurrentVersion => Migrations.Length;

    public static async Task ApplyAsync(SqliteConnection connection, CancellationToken cancellationToken)
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

        for (var i = version; i < CurrentVersion; i++)
        {
            command.CommandText = Migrations[i];
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            command.CommandText = $"PRAGMA user_version = {i + 1};";
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }
}
