using System.Data.Common;
using Dapper;
using Newsletter.Core.Deliveries;

namespace Newsletter.Storage;

/// <summary>
/// The SQL the delivery stores share (<see cref="SendStore"/>, <see cref="DeliveryClaims"/>, <see cref="DeliveryClaimSession"/>,
/// <see cref="DeliveryProgress"/>, <see cref="WorkerHeartbeats"/>, <see cref="SentMessageLookup"/>): the columns they read,
/// the conditions that decide what may be claimed, and the moves of one delivery. Written once for both databases; where
/// they differ, <see cref="StoreDatabase"/> says how.
/// </summary>
internal static class DeliverySql
{
    public const string SendColumns = """
        id AS Id, issue_number AS IssueNumber, list_name AS ListName, state AS State, batch_size AS BatchSize,
        batch_count AS BatchCount, recipient_count AS RecipientCount, created_at AS CreatedAt,
        scheduled_for AS ScheduledFor, started_at AS StartedAt, finished_at AS FinishedAt, pause_reason AS PauseReason
        """;

    public const string DeliveryColumns = """
        id AS Id, send_id AS SendId, batch_number AS BatchNumber, email AS Email, name AS Name, state AS State,
        attempts AS Attempts, detail AS Detail, updated_at AS UpdatedAt, next_attempt_at AS NextAttemptAt,
        first_attempt_at AS FirstAttemptAt
        """;

    /// <summary>True when the delivery's address may not be mailed on its send's list.</summary>
    public const string IsSuppressed = """
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

    /// <summary>
    /// The claim of <c>@deliveryId</c> by <c>@claimedBy</c> at <c>@now</c>, returning the delivery's new state ('sending' or
    /// 'suppressed'), or no row when it was not claimable. One statement is the whole guarantee: of any number of claimers
    /// exactly one sees the row claimable and changes it (how each database ensures it: StoreDatabase.ClaimableDelivery). The
    /// same statement skips a stopped send and turns a suppressed address into 'suppressed'.
    /// </summary>
    public static string Claim(StoreDatabase database) => $"""
        UPDATE deliveries
        SET state = CASE WHEN {IsSuppressed} THEN 'suppressed' ELSE 'sending' END,
            detail = CASE WHEN {IsSuppressed} THEN 'suppressed before sending' ELSE detail END,
            claimed_by = @claimedBy, claimed_at = @now, updated_at = @now,
            attempts = attempts + CASE WHEN state = 'sending' OR {IsSuppressed} THEN 0 ELSE 1 END,
            first_attempt_at = COALESCE(first_attempt_at, @now)
        WHERE {database.ClaimableDelivery($"(({IsClaimable}) OR ({IsOwnClaim}))")}
        RETURNING state
        """;

    /// <summary>
    /// Hands the issue of delivery <c>@deliveryId</c>, just suppressed, to a send of the same issue that left its reader out
    /// for it (<c>covered_readers</c>) and whose list the reader has not left: a reader who unsubscribed from list A after the
    /// sends to A and B were both recorded still gets the issue once, through B. A global suppression (bounce, complaint)
    /// matches every list, so nothing is handed over. The new delivery is a batch of its own at the end of that send; the
    /// unique one-per-issue index makes a second hand-over of the same reader insert nothing. Returns the send's id.
    /// </summary>
    public const string HandOver = """
        INSERT INTO deliveries (send_id, issue_number, batch_number, position, email, email_key, name, state, detail)
        SELECT covered.send_id, sends.issue_number, sends.batch_count,
               (SELECT COALESCE(MAX(position), -1) + 1 FROM deliveries WHERE deliveries.send_id = covered.send_id),
               covered.email, covered.email_key, covered.name, 'pending', 'handed over: suppressed on the list that held it'
        FROM deliveries AS suppressed
        JOIN covered_readers AS covered ON covered.email_key = suppressed.email_key
        JOIN sends ON sends.id = covered.send_id AND sends.issue_number = suppressed.issue_number
        WHERE suppressed.id = @deliveryId AND suppressed.state = 'suppressed'
          AND sends.state IN ('scheduled', 'running', 'paused', 'finished')
          AND NOT EXISTS (SELECT 1 FROM suppressions
                          WHERE suppressions.email_key = covered.email_key AND suppressions.list_name IN ('', sends.list_name))
        ORDER BY covered.send_id
        LIMIT 1
        ON CONFLICT DO NOTHING
        RETURNING send_id
        """;

    /// <summary>
    /// The send <c>@sendId</c> after <see cref="HandOver"/> gave it delivery <c>@deliveryId</c>'s reader: one more batch and
    /// recipient, running again if it had finished, and marked for the next recovery to queue it again if its batches were
    /// already queued (<see cref="WorkerHeartbeats"/>).
    /// </summary>
    public const string HandedOver = """
        UPDATE sends
        SET batch_count = batch_count + 1, recipient_count = recipient_count + 1,
            handed_over = CASE WHEN started_at IS NULL THEN 0 ELSE 1 END,
            state = CASE WHEN state = 'finished' THEN 'running' ELSE state END,
            finished_at = CASE WHEN state = 'finished' THEN NULL ELSE finished_at END
        WHERE id = @sendId;
        DELETE FROM covered_readers
        WHERE send_id = @sendId AND email_key = (SELECT email_key FROM deliveries WHERE id = @deliveryId);
        """;

    /// <summary>A deferral of <c>@deliveryId</c>, which must be being sent, until <c>@next</c>.</summary>
    public const string Defer = """
        UPDATE deliveries
        SET state = 'deferred', detail = @reason, next_attempt_at = @next, uncertain = uncertain | @uncertain, updated_at = @now
        WHERE id = @deliveryId AND state = 'sending'
        """;

    /// <summary>A move of one delivery from the states in <see cref="From"/> to <see cref="To"/>, named for error messages.</summary>
    public sealed record Move(string From, string To, string Action)
    {
        /// <summary>The move of <c>@deliveryId</c>, setting <c>@detail</c>, <c>@now</c> and (if not null) <c>@messageId</c>.</summary>
        public string Sql { get; } =
            $"UPDATE deliveries SET state = '{To}', detail = @detail, updated_at = @now, message_id = COALESCE(@messageId, message_id) WHERE id = @deliveryId AND {From}";
    }

    public static readonly Move Sent = new("state IN ('pending', 'sending')", "sent", "record as sent");
    public static readonly Move Failed = new("state IN ('pending', 'sending')", "failed", "record as failed");
    public static readonly Move Release = new("state = 'sending'", "pending", "release");

    /// <summary>The Message-ID as stored: without angle brackets, so a bounce quoting it either way finds it.</summary>
    public static string? StoredMessageId(string? messageId) => messageId?.Trim('<', '>');

    /// <param name="at">When the outcome was known.</param>
    /// <exception cref="InvalidOperationException">The delivery does not exist or is not in a state the move starts from.</exception>
    public static async Task MoveAsync(DbConnection connection, long deliveryId, Move move, string detail, DateTimeOffset at,
        CancellationToken cancellationToken, string? messageId = null)
    {
        ArgumentNullException.ThrowIfNull(detail);
        var changed = await connection.ExecuteAsync(new CommandDefinition(move.Sql,
            new { deliveryId, detail, messageId = StoredMessageId(messageId), now = DbText.Timestamp(at) },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (changed != 1)
        {
            throw await NotMovedAsync(connection, deliveryId, move, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The error for a move that changed no row, naming the delivery's state.</summary>
    public static async Task<InvalidOperationException> NotMovedAsync(DbConnection connection, long deliveryId, Move move,
        CancellationToken cancellationToken)
    {
        var state = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT state FROM deliveries WHERE id = @deliveryId", new { deliveryId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new InvalidOperationException(state is null
            ? $"Cannot {move.Action} delivery {deliveryId}: there is no such delivery."
            : $"Cannot {move.Action} delivery {deliveryId}: it is {state}.");
    }

    /// <summary>A row of <c>sends</c> as <see cref="SendColumns"/> reads it.</summary>
    public class SendRow
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

    /// <summary>A row of <c>deliveries</c> as <see cref="DeliveryColumns"/> reads it.</summary>
    public sealed class DeliveryRow
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
