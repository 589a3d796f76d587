using System.Data;
using System.Data.Common;
using Newsletter.Core.Deliveries;

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
/// </remarks>
internal sealed class DeliveryClaimSession : IDeliveryClaimSession
{
    private readonly DeliveryLog _log;
    private readonly DbConnection _connection;
    private readonly string _claimedBy;
    private readonly TimeProvider _time;
    private readonly DbCommand _claim;
    private readonly DbCommand _sent;

    /// <summary>The held "sent" then the claim, as one round trip, where the provider runs a batch as one transaction (PostgreSQL).</summary>
    private readonly DbBatch? _sentThenClaim;

    private HeldSent? _held;
    private bool _disposed;

    private DeliveryClaimSession(DeliveryLog log, DbConnection connection, string claimedBy, TimeProvider time)
    {
        _log = log;
        _connection = connection;
        _claimedBy = claimedBy;
        _time = time;
        _claim = connection.CreateCommand();
        _claim.CommandText = log.ClaimSql;
        AddClaimParameters(_claim.Parameters, _claim.CreateParameter);
        _sent = connection.CreateCommand();
        _sent.CommandText = DeliveryLog.Sent.Sql;
        AddSentParameters(_sent.Parameters, _sent.CreateParameter);

        // Microsoft.Data.Sqlite has no batches; Npgsql runs one as an implicit transaction (all or nothing) in one round trip.
        if (connection.CanCreateBatch)
        {
            _sentThenClaim = connection.CreateBatch();
            var sent = _sentThenClaim.CreateBatchCommand();
            sent.CommandText = DeliveryLog.Sent.Sql;
            AddSentParameters(sent.Parameters, sent.CreateParameter);
            var claim = _sentThenClaim.CreateBatchCommand();
            claim.CommandText = log.ClaimSql;
            AddClaimParameters(claim.Parameters, claim.CreateParameter);
            _sentThenClaim.BatchCommands.Add(sent);
            _sentThenClaim.BatchCommands.Add(claim);
        }
    }

    /// <summary>Prepares the session's statements on <paramref name="connection"/>, which the session then owns.</summary>
    internal static async Task<DeliveryClaimSession> OpenAsync(DeliveryLog log, DbConnection connection, string claimedBy, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var session = new DeliveryClaimSession(log, connection, claimedBy, time);
        try
        {
            await session._claim.PrepareAsync(cancellationToken).ConfigureAwait(false);
            await session._sent.PrepareAsync(cancellationToken).ConfigureAwait(false);
            if (session._sentThenClaim is { } batch)
            {
                await batch.PrepareAsync(cancellationToken).ConfigureAwait(false);
            }
            return session;
        }
        catch
        {
            await session.DisposeStatementsAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public async Task<ClaimResult> TryClaimAsync(long deliveryId, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var now = DbText.Timestamp(_time.GetUtcNow());
        string? state;
        if (_held is not { } held)
        {
            SetClaim(_claim.Parameters, deliveryId, now);
            state = await _claim.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
        }
        else if (_sentThenClaim is { } batch)
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
            if (batch.BatchCommands[0].RecordsAffected != 1 && await StateOfAsync(held.DeliveryId, null).ConfigureAwait(false) != "sent")
            {
                // Committed with the claim, but the held delivery was no longer being sent (recovered and settled elsewhere):
                // give the claim back, since the caller will not send it, and say so.
                if (state == "sending")
                {
                    await _log.MoveAsync(_connection, deliveryId, DeliveryLog.Release, "not sent: the previous outcome could not be recorded",
                        CancellationToken.None).ConfigureAwait(false);
                }
                throw await DeliveryLog.NotMovedAsync(_connection, held.DeliveryId, DeliveryLog.Sent, CancellationToken.None).ConfigureAwait(false);
            }
        }
        else
        {
            await using var transaction = await _connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            _sent.Transaction = _claim.Transaction = transaction;
            try
            {
                SetSent(_sent.Parameters, held);
                if (await _sent.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1
                    && await StateOfAsync(held.DeliveryId, transaction).ConfigureAwait(false) != "sent")
                {
                    await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
                    _held = null;
                    throw await DeliveryLog.NotMovedAsync(_connection, held.DeliveryId, DeliveryLog.Sent, CancellationToken.None).ConfigureAwait(false);
                }
                SetClaim(_claim.Parameters, deliveryId, now);
                state = await _claim.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                _held = null;
            }
            finally
            {
                _sent.Transaction = _claim.Transaction = null;
            }
        }
        return await DeliveryLog.ClaimResultOfAsync(_connection, deliveryId, state, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task RecordSentAsync(long deliveryId, string serverReply, string? messageId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(serverReply);
        ObjectDisposedException.ThrowIf(_disposed, this);
        // Two outcomes with no claim between them (a caller that records without claiming): the first is written now.
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        _held = new HeldSent(deliveryId, serverReply, DeliveryLog.StoredMessageId(messageId), DbText.Timestamp(_time.GetUtcNow()));
    }

    /// <inheritdoc />
    public async Task RecordFailedAsync(long deliveryId, string reason, CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        await _log.MoveAsync(_connection, deliveryId, DeliveryLog.Failed, reason, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task RecordDeferredAsync(long deliveryId, string reason, DateTimeOffset nextAttemptAt, bool uncertain, CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        await _log.RecordDeferredAsync(_connection, deliveryId, reason, nextAttemptAt, uncertain, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task ReleaseAsync(long deliveryId, string reason, CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        await _log.MoveAsync(_connection, deliveryId, DeliveryLog.Release, reason, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_held is not { } held)
        {
            return;
        }
        SetSent(_sent.Parameters, held);
        var changed = await _sent.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        _held = null;
        if (changed != 1 && await StateOfAsync(held.DeliveryId, null).ConfigureAwait(false) != "sent")
        {
            throw await DeliveryLog.NotMovedAsync(_connection, held.DeliveryId, DeliveryLog.Sent, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Writes a held outcome (even when the caller is being cancelled: the server has the message), then lets the connection go.</summary>
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
            await DisposeStatementsAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A delivery's state, to tell a held "sent" that found its row already sent (a write whose reply was lost to a
    /// cancellation, then repeated: nothing to do) from one whose row was settled otherwise elsewhere.
    /// </summary>
    private async Task<string?> StateOfAsync(long deliveryId, DbTransaction? transaction)
    {
        await using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT state FROM deliveries WHERE id = @deliveryId";
        command.Parameters.Add(Parameter(command.CreateParameter, "deliveryId", DbType.Int64, deliveryId));
        return await command.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false) as string;
    }

    private async Task DisposeStatementsAsync()
    {
        if (_sentThenClaim is not null)
        {
            await _sentThenClaim.DisposeAsync().ConfigureAwait(false);
        }
        await _claim.DisposeAsync().ConfigureAwait(false);
        await _sent.DisposeAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    private void AddClaimParameters(DbParameterCollection parameters, Func<DbParameter> create)
    {
        parameters.Add(Parameter(create, "deliveryId", DbType.Int64, 0L));
        parameters.Add(Parameter(create, "claimedBy", DbType.String, _claimedBy));
        parameters.Add(Parameter(create, "now", DbType.String, ""));
    }

    private static void AddSentParameters(DbParameterCollection parameters, Func<DbParameter> create)
    {
        parameters.Add(Parameter(create, "deliveryId", DbType.Int64, 0L));
        parameters.Add(Parameter(create, "detail", DbType.String, ""));
        parameters.Add(Parameter(create, "messageId", DbType.String, DBNull.Value));
        parameters.Add(Parameter(create, "now", DbType.String, ""));
    }

    private static DbParameter Parameter(Func<DbParameter> create, string name, DbType type, object value)
    {
        var parameter = create();
        parameter.ParameterName = name;
        parameter.DbType = type;
        parameter.Value = value;
        return parameter;
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
