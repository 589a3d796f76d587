using Dapper;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;
using static Newsletter.Storage.DeliverySql;

namespace Newsletter.Storage;

/// <summary>
/// Sends in the <c>sends</c> table and the deliveries each one records when it is created (<see cref="ISendStore"/>), on
/// SQLite or PostgreSQL: create, find, start, pause, resume, cancel, retry and finish a send.
/// </summary>
public sealed class SendStore : ISendStore
{
    private readonly StoreDatabase _database;
    private readonly TimeProvider _time;

    public SendStore(StoreDatabase database, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _time = time ?? TimeProvider.System;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is not positive.</exception>
    public async Task<Send> CreateSendAsync(int issueNumber, MailingList list, int batchSize, DateTimeOffset? scheduledFor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(list);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);

        await using var connection = await _database.OpenForDeliveryLogAsync(cancellationToken).ConfigureAwait(false);
        // One transaction, serialized with every other creation of a send of this issue: a second caller for the same send
        // waits, then finds it; two lists of one issue never both take a subscriber; a crash leaves nothing half-made.
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await _database.SerializeAsync(connection, transaction, $"newsletter:send-of-issue:{issueNumber}", cancellationToken).ConfigureAwait(false);

        var existing = await connection.QuerySingleOrDefaultAsync<SendRow>(new CommandDefinition(
            $"SELECT {SendColumns} FROM sends WHERE issue_number = @issueNumber AND list_name = @listName",
            new { issueNumber, listName = list.Name }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (existing is not null)
        {
            return existing.ToSend();
        }

        var sendId = await connection.ExecuteScalarAsync<long>(new CommandDefinition("""
            INSERT INTO sends (issue_number, list_name, state, batch_size, batch_count, recipient_count, created_at, scheduled_for)
            VALUES (@issueNumber, @listName, 'scheduled', @batchSize, 0, 0, @createdAt, @scheduledFor)
            RETURNING id
            """,
            new
            {
                issueNumber,
                listName = list.Name,
                batchSize,
                createdAt = DbText.Timestamp(_time.GetUtcNow()),
                scheduledFor = DbText.Timestamp(scheduledFor),
            },
            transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);

        // An address suppressed on another list since that list's send was recorded will never be sent there: settle those
        // rows now, so they do not hold the one-per-issue place and the address still gets the issue through this list.
        await connection.ExecuteAsync(new CommandDefinition($"""
            UPDATE deliveries SET state = 'suppressed', detail = 'suppressed before sending', updated_at = @now
            WHERE issue_number = @issueNumber AND state IN ('pending', 'deferred') AND {IsSuppressed}
            """,
            new { issueNumber, now = DbText.Timestamp(_time.GetUtcNow()) }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);

        // Readers who joined from the web get the issue like configured ones; read here, in this transaction, so every process
        // on the store sends to whoever had confirmed when the send was created.
        var joined = await SignupStore.JoinedSubscribersAsync(connection, transaction, list.Name, cancellationToken).ConfigureAwait(false);
        var inserted = await _database.InsertDeliveriesAsync(connection, transaction, sendId, issueNumber, list.WithJoined(joined), batchSize, cancellationToken).ConfigureAwait(false);
        var batchCount = (inserted + batchSize - 1) / batchSize;
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE sends SET recipient_count = @inserted, batch_count = @batchCount WHERE id = @sendId",
            new { inserted, batchCount, sendId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);

        var send = await connection.QuerySingleAsync<SendRow>(new CommandDefinition(
            $"SELECT {SendColumns} FROM sends WHERE id = @sendId", new { sendId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return send.ToSend();
    }

    /// <inheritdoc />
    public async Task<Send?> GetSendAsync(long sendId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenForDeliveryLogAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<SendRow>(new CommandDefinition(
            $"SELECT {SendColumns} FROM sends WHERE id = @sendId", new { sendId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToSend();
    }

    /// <inheritdoc />
    public async Task<Send?> FindSendAsync(int issueNumber, string listName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listName);
        await using var connection = await _database.OpenForDeliveryLogAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<SendRow>(new CommandDefinition(
            $"SELECT {SendColumns} FROM sends WHERE issue_number = @issueNumber AND list_name = @listName",
            new { issueNumber, listName }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToSend();
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Send>> ListSendsAsync(int issueNumber, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenForDeliveryLogAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<SendRow>(new CommandDefinition(
            $"SELECT {SendColumns} FROM sends WHERE issue_number = @issueNumber ORDER BY id",
            new { issueNumber }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => r.ToSend()).ToList();
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">No send has this id.</exception>
    public async Task MarkSendStartedAsync(long sendId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenForDeliveryLogAsync(cancellationToken).ConfigureAwait(false);
        var changed = await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE sends
            SET state = CASE WHEN state = 'scheduled' THEN 'running' ELSE state END,
                started_at = CASE WHEN state IN ('scheduled', 'running') THEN COALESCE(started_at, @now) ELSE started_at END
            WHERE id = @sendId
            """,
            new { sendId, now = DbText.Timestamp(_time.GetUtcNow()) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (changed == 0)
        {
            throw new InvalidOperationException($"There is no send {sendId} to mark started.");
        }
    }

    /// <inheritdoc />
    public async Task<bool> TryMarkSendFinishedAsync(long sendId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenForDeliveryLogAsync(cancellationToken).ConfigureAwait(false);
        // One statement, so no delivery can be claimed between the check and the update.
        var changed = await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE sends
            SET state = 'finished', finished_at = COALESCE(finished_at, @now), pause_reason = NULL
            WHERE id = @sendId AND state IN ('scheduled', 'running', 'paused')
              AND NOT EXISTS (SELECT 1 FROM deliveries WHERE send_id = @sendId AND state IN ('pending', 'sending', 'deferred'))
            """,
            new { sendId, now = DbText.Timestamp(_time.GetUtcNow()) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (changed == 1)
        {
            return true;
        }
        var state = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT state FROM sends WHERE id = @sendId", new { sendId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return state == "finished";
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Send>> ListRecentSendsAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenForDeliveryLogAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<SendRow>(new CommandDefinition(
            $"SELECT {SendColumns} FROM sends ORDER BY issue_number DESC, id DESC LIMIT @limit",
            new { limit }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => r.ToSend()).ToList();
    }

    /// <inheritdoc />
    public async Task<bool> PauseSendAsync(long sendId, string reason, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenForDeliveryLogAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE sends SET state = 'paused', pause_reason = @reason WHERE id = @sendId AND state IN ('scheduled', 'running', 'paused')",
            new { sendId, reason }, cancellationToken: cancellationToken)).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async Task<bool> ResumeSendAsync(long sendId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenForDeliveryLogAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(new CommandDefinition(
            // A send paused before its fan-out ran goes back to waiting for it (keeping its --at time); one that had started runs on.
            "UPDATE sends SET state = CASE WHEN started_at IS NULL THEN 'scheduled' ELSE 'running' END, pause_reason = NULL " +
            "WHERE id = @sendId AND state = 'paused'",
            new { sendId }, cancellationToken: cancellationToken)).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async Task<int> CancelSendAsync(long sendId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenForDeliveryLogAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var now = DbText.Timestamp(_time.GetUtcNow());
        var stopped = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE sends SET state = 'cancelled', finished_at = COALESCE(finished_at, @now) WHERE id = @sendId AND state <> 'finished'",
            new { sendId, now }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (stopped == 0)
        {
            return -1;
        }
        // A delivery in 'sending' is on the wire now: its batch records the outcome, then stops at the next claim.
        var cancelled = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE deliveries SET state = 'cancelled', detail = 'send cancelled', updated_at = @now WHERE send_id = @sendId AND state IN ('pending', 'deferred')",
            new { sendId, now }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return cancelled;
    }

    /// <inheritdoc />
    public async Task<int> RetryFailedAsync(long sendId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenForDeliveryLogAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var now = DbText.Timestamp(_time.GetUtcNow());
        var retried = await connection.ExecuteAsync(new CommandDefinition(
            $"UPDATE deliveries SET state = 'pending', detail = 'retrying: ' || COALESCE(detail, ''), first_attempt_at = NULL, next_attempt_at = NULL, updated_at = @now " +
            $"WHERE send_id = @sendId AND state = 'failed' AND NOT {IsSuppressed}",
            new { sendId, now }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (retried > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE sends SET state = 'running', finished_at = NULL, pause_reason = NULL WHERE id = @sendId AND state IN ('finished', 'running', 'paused')",
                new { sendId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return retried;
    }
}
