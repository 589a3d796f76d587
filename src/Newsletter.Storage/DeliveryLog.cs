using System.Data.Common;
using System.Globalization;
using Dapper;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;

namespace Newsletter.Storage;

/// <summary>
/// Sends and deliveries in the <c>sends</c> and <c>deliveries</c> tables, on SQLite or PostgreSQL. The conditional update in
/// <see cref="TryClaimAsync"/> is what keeps a batch that runs twice, even at the same moment on two workers or machines,
/// from mailing anyone twice.
/// </summary>
public sealed class DeliveryLog : ISendStore, IDeliveryClaims, IDeliveryProgress, IWorkerHeartbeats, ISentMessageLookup
{
    private const string SendColumns = """
        id AS Id, issue_number AS IssueNumber, list_name AS ListName, state AS State, batch_size AS BatchSize,
        batch_count AS BatchCount, recipient_count AS RecipientCount, created_at AS CreatedAt,
        scheduled_for AS ScheduledFor, started_at AS StartedAt, finished_at AS FinishedAt, pause_reason AS PauseReason
        """;

    private const string DeliveryColumns = """
        id AS Id, send_id AS SendId, batch_number AS BatchNumber, email AS Email, name AS Name, state AS State,
        attempts AS Attempts, detail AS Detail, updated_at AS UpdatedAt, next_attempt_at AS NextAttemptAt,
        first_attempt_at AS FirstAttemptAt
        """;

    /// <summary>True when the delivery's address may not be mailed on its send's list.</summary>
    private const string IsSuppressed = """
        EXISTS (SELECT 1 FROM suppressions
                WHERE suppressions.email_key = deliveries.email_key
                  AND suppressions.list_name IN ('', (SELECT list_name FROM sends WHERE sends.id = deliveries.send_id)))
        """;

    /// <summary>True when the delivery may be claimed now: pending, or deferred and due, and its send running.</summary>
    private const string IsClaimable = """
        (state = 'pending' OR (state = 'deferred' AND next_attempt_at <= @now))
        AND (SELECT state FROM sends WHERE sends.id = deliveries.send_id) IN ('scheduled', 'running')
        """;

    /// <summary>
    /// The claim of <c>@claimedBy</c> at <c>@now</c>, already taken: a claim repeated because its reply was lost with the
    /// connection finds its own committed claim again instead of leaving it 'sending' with nobody to send it.
    /// </summary>
    private const string IsOwnClaim = "state = 'sending' AND claimed_by = @claimedBy AND claimed_at = @now";

    private readonly StoreDatabase _database;
    private readonly TimeProvider _time;

    /// <param name="outage">Where this process's writers report the store unreachable; one of its own when null.</param>
    public DeliveryLog(StoreDatabase database, TimeProvider? time = null, StoreOutage? outage = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _time = time ?? TimeProvider.System;
        Outage = outage ?? new StoreOutage(database, _time);
        ClaimSql = $"""
            UPDATE deliveries
            SET state = CASE WHEN {IsSuppressed} THEN 'suppressed' ELSE 'sending' END,
                detail = CASE WHEN {IsSuppressed} THEN 'suppressed before sending' ELSE detail END,
                claimed_by = @claimedBy, claimed_at = @now, updated_at = @now,
                attempts = attempts + CASE WHEN state = 'sending' OR {IsSuppressed} THEN 0 ELSE 1 END,
                first_attempt_at = COALESCE(first_attempt_at, @now)
            WHERE {_database.ClaimableDelivery($"(({IsClaimable}) OR ({IsOwnClaim}))")}
            RETURNING state
            """;
    }

    /// <summary>Whether this process can reach the store now, as its claim sessions and heartbeats find out.</summary>
    internal StoreOutage Outage { get; }

    /// <summary>A connection for a claim session, or for one that reconnects after the store came back.</summary>
    internal Task<DbConnection> OpenSessionConnectionAsync(CancellationToken cancellationToken) =>
        _database.OpenForDeliveryLogAsync(cancellationToken);

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

    /// <inheritdoc />
    public async Task<IReadOnlyList<Delivery>> GetBatchAsync(long sendId, int batchNumber, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenForDeliveryLogAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<DeliveryRow>(new CommandDefinition(
            $"SELECT {DeliveryColumns} FROM deliveries WHERE send_id = @sendId AND batch_number = @batchNumber ORDER BY position",
            new { sendId, batchNumber }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => r.ToDelivery()).ToList();
    }

    /// <inheritdoc />
    public async Task<ClaimResult> TryClaimAsync(long deliveryId, string claimedBy, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(claimedBy);
        await using var connection = await _database.OpenForDeliveryLogAsync(cancellationToken).ConfigureAwait(false);
        var state = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(ClaimSql,
            new { deliveryId, claimedBy, now = DbText.Timestamp(_time.GetUtcNow()) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return await ClaimResultOfAsync(connection, deliveryId, state, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="claimedBy"/> is empty.</exception>
    public async Task<IDeliveryClaimSession> OpenSessionAsync(string claimedBy, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(claimedBy);
        var connection = await _database.OpenForDeliveryLogAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await DeliveryClaimSession.OpenAsync(this, connection, claimedBy, _time, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The claim of <c>@deliveryId</c> by <c>@claimedBy</c> at <c>@now</c>, returning the delivery's new state ('sending' or
    /// 'suppressed'), or no row when it was not claimable. One statement is the whole guarantee: of any number of claimers
    /// exactly one sees the row claimable and changes it (how each database ensures it: StoreDatabase.ClaimableDelivery). The
    /// same statement skips a stopped send and turns a suppressed address into 'suppressed'.
    /// </summary>
    internal string ClaimSql { get; }

    /// <summary>What a claim statement's result means; when nothing was claimed, asks whether the send was stopped.</summary>
    internal static async Task<ClaimResult> ClaimResultOfAsync(DbConnection connection, long deliveryId, string? state,
        CancellationToken cancellationToken)
    {
        switch (state)
        {
            case "sending":
                return ClaimResult.Claimed;
            case "suppressed":
                return ClaimResult.Suppressed;
        }

        var sendState = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT sends.state FROM deliveries JOIN sends ON sends.id = deliveries.send_id WHERE deliveries.id = @deliveryId",
            new { deliveryId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return sendState is "paused" or "cancelled" ? ClaimResult.SendStopped : ClaimResult.NotAvailable;
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The delivery does not exist or is not being sent.</exception>
    public Task ReleaseAsync(long deliveryId, string reason, CancellationToken cancellationToken) =>
        MoveAsync(null, deliveryId, Release, reason, cancellationToken);

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The delivery does not exist or is not being sent.</exception>
    public async Task RecordDeferredAsync(long deliveryId, string reason, DateTimeOffset nextAttemptAt, bool uncertain, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenForDeliveryLogAsync(cancellationToken).ConfigureAwait(false);
        await RecordDeferredAsync(connection, deliveryId, reason, nextAttemptAt, uncertain, cancellationToken).ConfigureAwait(false);
    }

    /// <exception cref="InvalidOperationException">The delivery does not exist or is not being sent.</exception>
    internal async Task RecordDeferredAsync(DbConnection connection, long deliveryId, string reason, DateTimeOffset nextAttemptAt,
        bool uncertain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reason);
        var changed = await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE deliveries
            SET state = 'deferred', detail = @reason, next_attempt_at = @next, uncertain = uncertain | @uncertain, updated_at = @now
            WHERE id = @deliveryId AND state = 'sending'
            """,
            new { deliveryId, reason, next = DbText.Timestamp(nextAttemptAt), uncertain = uncertain ? 1 : 0, now = DbText.Timestamp(_time.GetUtcNow()) },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (changed != 1)
        {
            throw new InvalidOperationException($"Cannot defer delivery {deliveryId}: it is not being sent.");
        }
    }

    /// <inheritdoc />
    /// <exception cref="StoreUnavailableException">The store cannot be reached now (logged once per outage by <see cref="StoreOutage"/>).</exception>
    public async Task HeartbeatAsync(string workerId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(workerId);
        try
        {
            await using var connection = await _database.OpenForDeliveryLogAsync(cancellationToken).ConfigureAwait(false);
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO workers (id, heartbeat_at) VALUES (@workerId, @now) ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at",
                new { workerId, now = DbText.Timestamp(_time.GetUtcNow()) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        catch (Exception ex) when (Outage.IsUnreachable(ex))
        {
            Outage.Failed(ex);
            throw new StoreUnavailableException(_database.Description, $"The store {_database.Description} cannot be reached: {ex.Message}", ex);
        }
        Outage.Succeeded();
    }

    /// <inheritdoc />
    /// <remarks>
    /// Right after the store was unreachable (seen by this process, or a database server that restarted), every heartbeat is
    /// stale because nobody could write one, not because the workers died: their claims are left alone until a live worker
    /// has had <paramref name="staleAfter"/> to beat again and write what it held.
    /// </remarks>
    public async Task<IReadOnlyList<long>> RecoverAbandonedClaimsAsync(TimeSpan staleAfter, CancellationToken cancellationToken)
    {
        if (Outage.RecentlyBack(staleAfter))
        {
            return [];
        }
        await using var connection = await _database.OpenForDeliveryLogAsync(cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var sends = await connection.QueryAsync<long>(new CommandDefinition($"""
            UPDATE deliveries
            SET state = 'pending', uncertain = 1, claimed_by = NULL, updated_at = @now,
                detail = 'resent: the worker sending it stopped (' || COALESCE(claimed_by, '?') || ') before recording the reply'
            WHERE state = 'sending'
              AND (claimed_by IS NULL OR claimed_by NOT IN (SELECT id FROM workers WHERE heartbeat_at >= @cutoff))
              AND {_database.UpForStaleSeconds}
            RETURNING send_id
            """,
            new { now = DbText.Timestamp(now), cutoff = DbText.Timestamp(now - staleAfter), staleSeconds = staleAfter.TotalSeconds },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM workers WHERE heartbeat_at < @forgotten", new { forgotten = DbText.Timestamp(now - TimeSpan.FromDays(1)) },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return sends.Distinct().ToList();
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The delivery does not exist or is already sent or failed.</exception>
    public Task RecordSentAsync(long deliveryId, string serverReply, string? messageId, CancellationToken cancellationToken) =>
        MoveAsync(null, deliveryId, Sent, serverReply, cancellationToken, messageId);

    /// <inheritdoc />
    public async Task<Delivery?> FindByMessageIdAsync(string messageId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(messageId);
        await using var connection = await _database.OpenForDeliveryLogAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<DeliveryRow>(new CommandDefinition(
            $"SELECT {DeliveryColumns} FROM deliveries WHERE message_id = @messageId LIMIT 1",
            new { messageId = messageId.Trim().Trim('<', '>') }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToDelivery();
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The delivery does not exist or is already sent or failed.</exception>
    public Task RecordFailedAsync(long deliveryId, string reason, CancellationToken cancellationToken) =>
        MoveAsync(null, deliveryId, Failed, reason, cancellationToken);

    /// <inheritdoc />
    public async Task<DeliveryCounts> CountAsync(int issueNumber, long? sendId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenForDeliveryLogAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<StateCountRow>(new CommandDefinition("""
            SELECT state AS State, COUNT(*) AS Count, SUM(uncertain) AS Uncertain FROM deliveries
            WHERE issue_number = @issueNumber AND (@sendId IS NULL OR send_id = @sendId)
            GROUP BY state
            """,
            new { issueNumber, sendId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return ToCounts(rows.ToList());
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<SendProgress>> ListUnfinishedSendProgressAsync(CancellationToken cancellationToken) =>
        QueryProgressAsync("sends.state IN ('scheduled', 'running', 'paused')", null, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<SendProgress>> GetSendProgressAsync(IReadOnlyCollection<long> sendIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sendIds);
        // The ids are written into the statement: Dapper expands a list parameter on SQLite but hands Npgsql an array, and no
        // one IN syntax suits both. They are numbers, so nothing can be injected.
        return sendIds.Count == 0
            ? Task.FromResult<IReadOnlyList<SendProgress>>([])
            : QueryProgressAsync($"sends.id IN ({string.Join(", ", sendIds.Distinct().Select(id => id.ToString(CultureInfo.InvariantCulture)))})", null, cancellationToken);
    }

    /// <summary>
    /// The sends that match <paramref name="where"/> with their deliveries counted by state, in one grouped scan of the
    /// (send_id, state) index however many sends match. A send with no deliveries yet still gets a row (state NULL), so it is
    /// reported with zero counts.
    /// </summary>
    private async Task<IReadOnlyList<SendProgress>> QueryProgressAsync(string where, object? parameters, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        // Grouped by the sends' primary key, so PostgreSQL accepts the send's other columns ungrouped.
        var rows = await connection.QueryAsync<SendCountRow>(new CommandDefinition($"""
            SELECT sends.id AS Id, sends.issue_number AS IssueNumber, sends.list_name AS ListName, sends.state AS State,
                   sends.batch_size AS BatchSize, sends.batch_count AS BatchCount, sends.recipient_count AS RecipientCount,
                   sends.created_at AS CreatedAt, sends.scheduled_for AS ScheduledFor, sends.started_at AS StartedAt,
                   sends.finished_at AS FinishedAt, sends.pause_reason AS PauseReason,
                   deliveries.state AS DeliveryState, COUNT(deliveries.id) AS Count, COALESCE(SUM(deliveries.uncertain), 0) AS Uncertain,
                   MIN(deliveries.next_attempt_at) AS NextAttemptAt,
                   (SELECT COUNT(*) FROM complaints WHERE complaints.send_id = sends.id) AS Complaints
            FROM sends LEFT JOIN deliveries ON deliveries.send_id = sends.id
            WHERE {where}
            GROUP BY sends.id, deliveries.state
            ORDER BY sends.id
            """, parameters, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows
            .GroupBy(r => r.Id)
            .Select(send =>
            {
                var counted = send.Where(r => r.DeliveryState is not null).ToList();
                var counts = ToCounts(counted.Select(r => new StateCountRow { State = r.DeliveryState!, Count = r.Count, Uncertain = r.Uncertain }).ToList());
                // Only a deferred delivery's next attempt is due; others may keep a stale one from before they were sent.
                var next = counted.FirstOrDefault(r => r.DeliveryState == "deferred")?.NextAttemptAt;
                return new SendProgress(send.First().ToSend(), counts, DbText.ParseTimestampOrNull(next), send.First().Complaints);
            })
            .ToList();
    }

    private static DeliveryCounts ToCounts(IReadOnlyList<StateCountRow> rows)
    {
        var counts = rows.ToDictionary(r => DbText.ParseDeliveryState(r.State), r => r.Count);
        return new DeliveryCounts(
            counts.GetValueOrDefault(DeliveryState.Pending),
            counts.GetValueOrDefault(DeliveryState.Sending),
            counts.GetValueOrDefault(DeliveryState.Sent),
            counts.GetValueOrDefault(DeliveryState.Failed),
            counts.GetValueOrDefault(DeliveryState.Deferred),
            counts.GetValueOrDefault(DeliveryState.Suppressed),
            counts.GetValueOrDefault(DeliveryState.Cancelled),
            rows.Sum(r => r.Uncertain));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Delivery>> ListFailedAsync(int issueNumber, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenForDeliveryLogAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<DeliveryRow>(new CommandDefinition(
            $"SELECT {DeliveryColumns} FROM deliveries WHERE issue_number = @issueNumber AND state = 'failed' ORDER BY send_id, position",
            new { issueNumber }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => r.ToDelivery()).ToList();
    }

    /// <summary>A move of one delivery from the states in <see cref="From"/> to <see cref="To"/>, named for error messages.</summary>
    internal sealed record Move(string From, string To, string Action)
    {
        /// <summary>The move of <c>@deliveryId</c>, setting <c>@detail</c>, <c>@now</c> and (if not null) <c>@messageId</c>.</summary>
        public string Sql { get; } =
            $"UPDATE deliveries SET state = '{To}', detail = @detail, updated_at = @now, message_id = COALESCE(@messageId, message_id) WHERE id = @deliveryId AND {From}";
    }

    internal static readonly Move Sent = new("state IN ('pending', 'sending')", "sent", "record as sent");
    internal static readonly Move Failed = new("state IN ('pending', 'sending')", "failed", "record as failed");
    internal static readonly Move Release = new("state = 'sending'", "pending", "release");

    /// <summary>The Message-ID as stored: without angle brackets, so a bounce quoting it either way finds it.</summary>
    internal static string? StoredMessageId(string? messageId) => messageId?.Trim('<', '>');

    /// <param name="connection">The connection to use, or null for one of its own.</param>
    /// <param name="at">When the outcome was known; now when null.</param>
    /// <exception cref="InvalidOperationException">The delivery does not exist or is not in a state the move starts from.</exception>
    internal async Task MoveAsync(DbConnection? connection, long deliveryId, Move move, string detail, CancellationToken cancellationToken,
        string? messageId = null, DateTimeOffset? at = null)
    {
        ArgumentNullException.ThrowIfNull(detail);
        var own = connection is null ? await _database.OpenForDeliveryLogAsync(cancellationToken).ConfigureAwait(false) : null;
        try
        {
            var db = connection ?? own!;
            var changed = await db.ExecuteAsync(new CommandDefinition(move.Sql,
                new { deliveryId, detail, messageId = StoredMessageId(messageId), now = DbText.Timestamp(at ?? _time.GetUtcNow()) },
                cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (changed != 1)
            {
                throw await NotMovedAsync(db, deliveryId, move, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            if (own is not null)
            {
                await own.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The error for a move that changed no row, naming the delivery's state.</summary>
    internal static async Task<InvalidOperationException> NotMovedAsync(DbConnection connection, long deliveryId, Move move,
        CancellationToken cancellationToken)
    {
        var state = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT state FROM deliveries WHERE id = @deliveryId", new { deliveryId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new InvalidOperationException(state is null
            ? $"Cannot {move.Action} delivery {deliveryId}: there is no such delivery."
            : $"Cannot {move.Action} delivery {deliveryId}: it is {state}.");
    }

    private sealed class StateCountRow
    {
        public string State { get; set; } = "";
        public int Count { get; set; }
        public int Uncertain { get; set; }
    }

    private sealed class SendCountRow : SendRow
    {
        public string? DeliveryState { get; set; }
        public int Count { get; set; }
        public int Uncertain { get; set; }
        public string? NextAttemptAt { get; set; }
        public int Complaints { get; set; }
    }

    private class SendRow
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
        public string? PauseReason { get; set; }

        public Send ToSend() => new(
            Id, IssueNumber, ListName, DbText.ParseSendState(State), BatchSize, BatchCount, RecipientCount,
            DbText.ParseTimestamp(CreatedAt), DbText.ParseTimestampOrNull(ScheduledFor),
            DbText.ParseTimestampOrNull(StartedAt), DbText.ParseTimestampOrNull(FinishedAt), PauseReason);
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
        public string? NextAttemptAt { get; set; }
        public string? FirstAttemptAt { get; set; }

        public Delivery ToDelivery() => new(
            Id, SendId, BatchNumber, Email, Name, DbText.ParseDeliveryState(State), Attempts, Detail,
            DbText.ParseTimestampOrNull(UpdatedAt), DbText.ParseTimestampOrNull(NextAttemptAt), DbText.ParseTimestampOrNull(FirstAttemptAt));
    }
}
