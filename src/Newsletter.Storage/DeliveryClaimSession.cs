using System.Data;
using System.Data.Common;
using Dapper;
using Newsletter.Core.Deliveries;
using static Newsletter.Storage.DeliverySql;

namespace Newsletter.Storage;

/// <summary>
/// One sending loop's claims and outcomes on one held connection (<see cref="IDeliveryClaimSession"/>): the claim and the
/// "sent" statements are prepared once, and a "sent" outcome is written in the same transaction as the next claim.
/// </summary>
/// <remarks>
/// Measured by <c>tests/Newsletter.Benchmarks/run.sh --store</c>. Per message, the code before this opened a pooled
/// connection twice (running three PRAGMAs each time on SQLite), and committed twice. Here a message costs one transaction
/// of two prepared statements: on SQLite BEGIN IMMEDIATE, the held "sent", the claim, COMMIT; on PostgreSQL one batch, which
/// the server runs as one implicit transaction in one round trip.
/// <para>
/// When the store cannot be reached (a PostgreSQL restart, a SQLite file locked past its busy timeout), a write is not given
/// up: the session reports it to <see cref="StoreOutage"/>, reconnects and runs the same write again, with backoff, until
/// the store answers, so an outcome the worker knows is never forgotten. Every write is safe to repeat: the held "sent"
/// and the other moves check the state they find, and a claim is repeated with its first timestamp, so a claim whose commit
/// was lost with the connection is found again as this session's own instead of staying 'sending' with no one to send it.
/// </para>
/// </remarks>
internal sealed class DeliveryClaimSession : IDeliveryClaimSession
{
    private readonly StoreDatabase _database;
    private readonly StoreOutage _outage;
    private readonly string _claimedBy;
    private readonly TimeProvider _time;
    private DeliveryClaimStatements _statements;

    /// <summary>The connection failed: the next write reconnects first.</summary>
    private bool _broken;

    private HeldSent? _held;
    private bool _disposed;

    private DeliveryClaimSession(StoreDatabase database, StoreOutage outage, DeliveryClaimStatements statements, string claimedBy, TimeProvider time)
    {
        _database = database;
        _outage = outage;
        _statements = statements;
        _claimedBy = claimedBy;
        _time = time;
    }

    /// <summary>Opens the session's connection and prepares its statements there.</summary>
    /// <param name="outage">Where the session reports the store unreachable, and that it answers again.</param>
    internal static async Task<DeliveryClaimSession> OpenAsync(StoreDatabase database, StoreOutage outage, string claimedBy, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var connection = await database.OpenForDeliveryLogAsync(cancellationToken).ConfigureAwait(false);
        var statements = await DeliveryClaimStatements.PrepareAsync(database, connection, claimedBy, cancellationToken).ConfigureAwait(false);
        return new DeliveryClaimSession(database, outage, statements, claimedBy, time);
    }

    /// <inheritdoc />
    public async Task<ClaimResult> TryClaimAsync(long deliveryId, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        // One timestamp for every attempt: it is what makes a repeated claim find its own earlier commit (DeliverySql's IsOwnClaim).
        var now = DbText.Timestamp(_time.GetUtcNow());
        var state = await WhenReachableAsync((statements, token) => ClaimOnceAsync(statements, deliveryId, now, token), cancellationToken)
            .ConfigureAwait(false);
        if (state == "suppressed")
        {
            await WhenReachableAsync((statements, token) => HandOverAsync(statements.Connection, deliveryId, token), cancellationToken).ConfigureAwait(false);
        }
        return await WhenReachableAsync((statements, token) => ClaimResultOfAsync(statements.Connection, deliveryId, state, token),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Gives the reader of a delivery just suppressed the issue through another list's send that left them out for it, if
    /// there is one they have not left (<see cref="DeliverySql.HandOver"/>). Safe to repeat: a second run finds the reader
    /// handed over already and inserts nothing.
    /// </summary>
    private static async Task<bool> HandOverAsync(DbConnection connection, long deliveryId, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var sendId = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(HandOver, new { deliveryId }, transaction,
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (sendId is { } to)
        {
            await connection.ExecuteAsync(new CommandDefinition(HandedOver, new { sendId = to, deliveryId }, transaction,
                cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return sendId is not null;
    }

    private async Task<string?> ClaimOnceAsync(DeliveryClaimStatements statements, long deliveryId, string now, CancellationToken cancellationToken)
    {
        string? state;
        if (_held is not { } held)
        {
            SetClaim(statements.Claim.Parameters, deliveryId, now);
            state = await statements.Claim.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
        }
        else if (statements.SentThenClaim is { } batch)
        {
            SetSent(batch.BatchCommands[0].Parameters, held);
            SetClaim(batch.BatchCommands[1].Parameters, deliveryId, now);
            state = null;
            await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                // The first statement returns nothing; read the claim's RETURNING wherever the provider puts it.
                do
                {
                    if (reader.FieldCount > 0 && await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        state = reader.GetString(0);
                    }
                }
                while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));
            }
            _held = null;
            if (batch.BatchCommands[0].RecordsAffected != 1 && await StateOfAsync(statements.Connection, held.DeliveryId, null).ConfigureAwait(false) != "sent")
            {
                // Committed with the claim, but the held delivery was no longer being sent (recovered and settled elsewhere):
                // give the claim back, since the caller will not send it, and say so.
                if (state == "sending")
                {
                    await DeliverySql.MoveAsync(statements.Connection, deliveryId, Release, "not sent: the previous outcome could not be recorded",
                        _time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
                }
                throw await NotMovedAsync(statements.Connection, held.DeliveryId, Sent, CancellationToken.None).ConfigureAwait(false);
            }
        }
        else
        {
            await using var transaction = await statements.Connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            statements.Sent.Transaction = statements.Claim.Transaction = transaction;
            try
            {
                SetSent(statements.Sent.Parameters, held);
                if (await statements.Sent.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1
                    && await StateOfAsync(statements.Connection, held.DeliveryId, transaction).ConfigureAwait(false) != "sent")
                {
                    await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
                    _held = null;
                    throw await NotMovedAsync(statements.Connection, held.DeliveryId, Sent, CancellationToken.None).ConfigureAwait(false);
                }
                SetClaim(statements.Claim.Parameters, deliveryId, now);
                state = await statements.Claim.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                _held = null;
            }
            finally
            {
                statements.Sent.Transaction = statements.Claim.Transaction = null;
            }
        }
        return state;
    }

    /// <inheritdoc />
    public async Task RecordSentAsync(long deliveryId, string serverReply, string? messageId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(serverReply);
        ObjectDisposedException.ThrowIf(_disposed, this);
        // Two outcomes with no claim between them (a caller that records without claiming): the first is written now.
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        _held = new HeldSent(deliveryId, serverReply, StoredMessageId(messageId), DbText.Timestamp(_time.GetUtcNow()));
    }

    /// <inheritdoc />
    public async Task RecordFailedAsync(long deliveryId, string reason, CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        await MoveAsync(deliveryId, Failed, "failed", reason, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task RecordDeferredAsync(long deliveryId, string reason, DateTimeOffset nextAttemptAt, bool uncertain, CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        await RepeatableAsync(deliveryId, "deferred",
            (connection, token) => DeferOnceAsync(connection, deliveryId, reason, nextAttemptAt, uncertain, token), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task ReleaseAsync(long deliveryId, string reason, CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        await MoveAsync(deliveryId, Release, "pending", reason, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A move that may be repeated after a lost reply.</summary>
    private Task MoveAsync(long deliveryId, Move move, string target, string detail, CancellationToken cancellationToken)
    {
        var at = _time.GetUtcNow();
        return RepeatableAsync(deliveryId, target, (connection, token) => DeliverySql.MoveAsync(connection, deliveryId, move, detail, at, token), cancellationToken);
    }

    /// <exception cref="InvalidOperationException">The delivery does not exist or is not being sent.</exception>
    private async Task DeferOnceAsync(DbConnection connection, long deliveryId, string reason, DateTimeOffset nextAttemptAt, bool uncertain,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reason);
        var changed = await connection.ExecuteAsync(new CommandDefinition(Defer,
            new { deliveryId, reason, next = DbText.Timestamp(nextAttemptAt), uncertain = uncertain ? 1 : 0, now = DbText.Timestamp(_time.GetUtcNow()) },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (changed != 1)
        {
            throw new InvalidOperationException($"Cannot defer delivery {deliveryId}: it is not being sent.");
        }
    }

    /// <summary>What a claim statement's result means; when nothing was claimed, asks whether the send was stopped.</summary>
    private static async Task<ClaimResult> ClaimResultOfAsync(DbConnection connection, long deliveryId, string? state,
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

    /// <summary>
    /// Runs a conditional move of one delivery until the store answers. A repeat that finds the delivery already in
    /// <paramref name="target"/> is success: the attempt before it committed, and its reply was lost with the connection.
    /// </summary>
    private Task RepeatableAsync(long deliveryId, string target, Func<DbConnection, CancellationToken, Task> move, CancellationToken cancellationToken)
    {
        var attempt = 0;
        return WhenReachableAsync(async (statements, token) =>
        {
            var repeated = attempt++ > 0;
            try
            {
                await move(statements.Connection, token).ConfigureAwait(false);
                return true;
            }
            catch (InvalidOperationException) when (repeated)
            {
                if (await StateOfAsync(statements.Connection, deliveryId, null).ConfigureAwait(false) == target)
                {
                    return true;
                }
                throw;
            }
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_held is not { } held)
        {
            return;
        }
        var written = await WhenReachableAsync(async (statements, token) =>
        {
            SetSent(statements.Sent.Parameters, held);
            return await statements.Sent.ExecuteNonQueryAsync(token).ConfigureAwait(false) == 1
                   || await StateOfAsync(statements.Connection, held.DeliveryId, null).ConfigureAwait(false) == "sent";
        }, cancellationToken).ConfigureAwait(false);
        _held = null;
        if (!written)
        {
            throw await NotMovedAsync(_statements.Connection, held.DeliveryId, Sent, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Writes a held outcome (even when the caller is being cancelled: the server has the message), then lets the connection go.</summary>
    /// <remarks>While the store cannot be reached this waits for it: the held outcome is what keeps that reader from a second copy.</remarks>
    /// <exception cref="InvalidOperationException">The held outcome could not be written: its delivery is no longer being sent.</exception>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        try
        {
            await FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _disposed = true;
            await _statements.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs <paramref name="write"/>, and while the store cannot be reached, reconnects and runs it again with backoff until it
    /// can. Only the first attempt can be cancelled: once a statement may have reached the store, its outcome must be known.
    /// </summary>
    private async Task<T> WhenReachableAsync<T>(Func<DeliveryClaimStatements, CancellationToken, Task<T>> write, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (_broken)
                {
                    await ReconnectAsync().ConfigureAwait(false);
                }
                var result = await write(_statements, attempt == 1 ? cancellationToken : CancellationToken.None).ConfigureAwait(false);
                if (attempt > 1)
                {
                    _outage.Succeeded();
                }
                return result;
            }
            catch (Exception ex) when (_outage.IsUnreachable(ex))
            {
                _outage.Failed(ex);
                _broken = true;
                await Task.Delay(StoreOutage.RetryDelay(attempt), _time, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private async Task ReconnectAsync()
    {
        await _statements.DisposeAsync().ConfigureAwait(false);
        var connection = await _database.OpenForDeliveryLogAsync(CancellationToken.None).ConfigureAwait(false);
        _statements = await DeliveryClaimStatements.PrepareAsync(_database, connection, _claimedBy, CancellationToken.None).ConfigureAwait(false);
        _broken = false;
    }

    /// <summary>
    /// A delivery's state, to tell a held "sent" that found its row already sent (a write whose reply was lost to a
    /// cancellation, then repeated: nothing to do) from one whose row was settled otherwise elsewhere.
    /// </summary>
    private static async Task<string?> StateOfAsync(DbConnection connection, long deliveryId, DbTransaction? transaction)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT state FROM deliveries WHERE id = @deliveryId";
        command.Parameters.Add(DeliveryClaimStatements.Parameter(command.CreateParameter, "deliveryId", DbType.Int64, deliveryId));
        return await command.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false) as string;
    }

    private static void SetClaim(DbParameterCollection parameters, long deliveryId, string now)
    {
        parameters["deliveryId"].Value = deliveryId;
        parameters["now"].Value = now;
    }

    private static void SetSent(DbParameterCollection parameters, HeldSent held)
    {
        parameters["deliveryId"].Value = held.DeliveryId;
        parameters["detail"].Value = held.ServerReply;
        parameters["messageId"].Value = (object?)held.MessageId ?? DBNull.Value;
        parameters["now"].Value = held.At;
    }

    /// <summary>A "sent" outcome not yet written, with the time it was known.</summary>
    private sealed record HeldSent(long DeliveryId, string ServerReply, string? MessageId, string At);
}
