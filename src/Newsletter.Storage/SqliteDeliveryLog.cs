using Dapper;
using Microsoft.Data.Sqlite;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;

namespace Newsletter.Storage;

/// <summary>
/// Sends and deliveries in the <c>sends</c> and <c>deliveries</c> tables. The conditional update in
/// <see cref="TryClaimAsync"/> is what keeps a batch that runs twice, even at the same moment on two workers,
/// from mailing anyone twice.
/// </summary>
public sealed class SqliteDeliveryLog : IDeliveryLog
{
    private const string SendColumns = """
        id AS Id, issue_number AS IssueNumber, list_name AS ListName, state AS State, batch_size AS BatchSize,
        batch_count AS BatchCount, recipient_count AS RecipientCount, created_at AS CreatedAt,
        scheduled_for AS ScheduledFor, started_at AS StartedAt, finished_at AS FinishedAt
        """;

    private const string DeliveryColumns = """
        id AS Id, send_id AS SendId, batch_number AS BatchNumber, email AS Email, name AS Name, state AS State,
        attempts AS Attempts, detail AS Detail, updated_at AS UpdatedAt
        """;

    private readonly SqliteDatabase _database;
    private readonly TimeProvider _time;

    public SqliteDeliveryLog(SqliteDatabase database, TimeProvider? time = null)
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

        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        // One IMMEDIATE transaction: a second caller for the same send waits, then finds it; a crash leaves nothing half-made.
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

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

        // One prepared statement reused for every subscriber: 200k rows in one transaction take seconds, not minutes.
        var inserted = 0;
        await using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO deliveries (send_id, issue_number, batch_number, position, email, name)
                VALUES ($sendId, $issueNumber, $batchNumber, $position, $email, $name)
                ON CONFLICT DO NOTHING
                """;
            insert.Parameters.AddWithValue("$sendId", sendId);
            insert.Parameters.AddWithValue("$issueNumber", issueNumber);
            var batchNumber = insert.Parameters.Add("$batchNumber", SqliteType.Integer);
            var position = insert.Parameters.Add("$position", SqliteType.Integer);
            var email = insert.Parameters.Add("$email", SqliteType.Text);
            var name = insert.Parameters.Add("$name", SqliteType.Text);
            insert.Prepare();

            foreach (var subscriber in list.Subscribers)
            {
                cancellationToken.ThrowIfCancellationRequested();
                // Batches are numbered by position among the rows actually inserted, so every batch but the last is full.
                batchNumber.Value = inserted / batchSize;
                position.Value = inserted;
                email.Value = subscriber.Email;
                name.Value = (object?)subscriber.Name ?? DBNull.Value;
                // Zero rows: the subscriber already has a delivery of this issue through another list.
                inserted += await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

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
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<SendRow>(new CommandDefinition(
            $"SELECT {SendColumns} FROM sends WHERE id = @sendId", new { sendId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToSend();
    }

    /// <inheritdoc />
    public async Task<Send?> FindSendAsync(int issueNumber, string listName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listName);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<SendRow>(new CommandDefinition(
            $"SELECT {SendColumns} FROM sends WHERE issue_number = @issueNumber AND list_name = @listName",
            new { issueNumber, listName }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToSend();
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Send>> ListSendsAsync(int issueNumber, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<SendRow>(new CommandDefinition(
            $"SELECT {SendColumns} FROM sends WHERE issue_number = @issueNumber ORDER BY id",
            new { issueNumber }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => r.ToSend()).ToList();
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">No send has this id.</exception>
    public async Task MarkSendStartedAsync(long sendId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var changed = await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE sends
            SET state = CASE WHEN state = 'scheduled' THEN 'running' ELSE state END,
                started_at = COALESCE(started_at, @now)
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
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        // One statement, so no delivery can be claimed between the check and the update.
        var changed = await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE sends
            SET state = 'finished', finished_at = COALESCE(finished_at, @now)
            WHERE id = @sendId
              AND NOT EXISTS (SELECT 1 FROM deliveries WHERE send_id = @sendId AND state IN ('pending', 'sending'))
            """,
            new { sendId, now = DbText.Timestamp(_time.GetUtcNow()) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return changed == 1;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Delivery>> GetBatchAsync(long sendId, int batchNumber, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<DeliveryRow>(new CommandDefinition(
            $"SELECT {DeliveryColumns} FROM deliveries WHERE send_id = @sendId AND batch_number = @batchNumber ORDER BY position",
            new { sendId, batchNumber }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => r.ToDelivery()).ToList();
    }

    /// <inheritdoc />
    public async Task<bool> TryClaimAsync(long deliveryId, string claimedBy, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(claimedBy);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        // The WHERE state = 'pending' is the whole guarantee: SQLite runs the statement under the write lock,
        // so of any number of claimers exactly one sees 'pending' and changes the row.
        var now = DbText.Timestamp(_time.GetUtcNow());
        var changed = await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE deliveries
            SET state = 'sending', claimed_by = @claimedBy, claimed_at = @now, attempts = attempts + 1, updated_at = @now
            WHERE id = @deliveryId AND state = 'pending'
            """,
            new { deliveryId, claimedBy, now }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return changed == 1;
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The delivery does not exist or is not being sent.</exception>
    public Task ReleaseAsync(long deliveryId, string reason, CancellationToken cancellationToken) =>
        MoveAsync(deliveryId, from: "state = 'sending'", to: "pending", reason, "release", cancellationToken);

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The delivery does not exist or is already sent or failed.</exception>
    public Task RecordSentAsync(long deliveryId, string serverReply, CancellationToken cancellationToken) =>
        MoveAsync(deliveryId, from: "state IN ('pending', 'sending')", to: "sent", serverReply, "record as sent", cancellationToken);

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The delivery does not exist or is already sent or failed.</exception>
    public Task RecordFailedAsync(long deliveryId, string reason, CancellationToken cancellationToken) =>
        MoveAsync(deliveryId, from: "state IN ('pending', 'sending')", to: "failed", reason, "record as failed", cancellationToken);

    /// <inheritdoc />
    public async Task<DeliveryCounts> CountAsync(int issueNumber, long? sendId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<StateCountRow>(new CommandDefinition("""
            SELECT state AS State, COUNT(*) AS Count FROM deliveries
            WHERE issue_number = @issueNumber AND (@sendId IS NULL OR send_id = @sendId)
            GROUP BY state
            """,
            new { issueNumber, sendId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var counts = rows.ToDictionary(r => DbText.ParseDeliveryState(r.State), r => r.Count);
        return new DeliveryCounts(
            counts.GetValueOrDefault(DeliveryState.Pending),
            counts.GetValueOrDefault(DeliveryState.Sending),
            counts.GetValueOrDefault(DeliveryState.Sent),
            counts.GetValueOrDefault(DeliveryState.Failed));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Delivery>> ListFailedAsync(int issueNumber, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<DeliveryRow>(new CommandDefinition(
            $"SELECT {DeliveryColumns} FROM deliveries WHERE issue_number = @issueNumber AND state = 'failed' ORDER BY send_id, position",
            new { issueNumber }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => r.ToDelivery()).ToList();
    }

    private async Task MoveAsync(long deliveryId, string from, string to, string detail, string action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(detail);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var changed = await connection.ExecuteAsync(new CommandDefinition(
            $"UPDATE deliveries SET state = @to, detail = @detail, updated_at = @now WHERE id = @deliveryId AND {from}",
            new { deliveryId, to, detail, now = DbText.Timestamp(_time.GetUtcNow()) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (changed == 1)
        {
            return;
        }

        var state = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT state FROM deliveries WHERE id = @deliveryId", new { deliveryId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        throw new InvalidOperationException(state is null
            ? $"Cannot {action} delivery {deliveryId}: there is no such delivery."
            : $"Cannot {action} delivery {deliveryId}: it is {state}.");
    }

    private sealed class StateCountRow
    {
        public string State { get; set; } = "";
        public int Count { get; set; }
    }

    private sealed class SendRow
    {
        public long Id { get; set; }
        public int IssueNumber { get; set; }
        public string ListName { get; set; } = "";
        public string State { get; set; } = "";
        public int BatchSize { get; set; }
        public int BatchCount { get; set; }
        public int RecipientCount { get; set; }
        public string CreatedAt { get; set; } = "";
        public string? ScheduledFor { get; set; }
        public string? StartedAt { get; set; }
        public string? FinishedAt { get; set; }

        public Send ToSend() => new(
            Id, IssueNumber, ListName, DbText.ParseSendState(State), BatchSize, BatchCount, RecipientCount,
            DbText.ParseTimestamp(CreatedAt), DbText.ParseTimestampOrNull(ScheduledFor),
            DbText.ParseTimestampOrNull(StartedAt), DbText.ParseTimestampOrNull(FinishedAt));
    }

    private sealed class DeliveryRow
    {
        public long Id { get; set; }
        public long SendId { get; set; }
        public int BatchNumber { get; set; }
        public string Email { get; set; } = "";
        public string? Name { get; set; }
        public string State { get; set; } = "";
        public int Attempts { get; set; }
        public string? Detail { get; set; }
        public string? UpdatedAt { get; set; }

        public Delivery ToDelivery() => new(
            Id, SendId, BatchNumber, Email, Name, DbText.ParseDeliveryState(State), Attempts, Detail,
            DbText.ParseTimestampOrNull(UpdatedAt));
    }
}
