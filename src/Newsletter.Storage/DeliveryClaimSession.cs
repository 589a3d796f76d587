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
    private readonly DeliveryLog _log;
    private readonly string _claimedBy;
    private readonly TimeProvider _time;
    private Statements _statements;

    /// <summary>The connection failed: the next write reconnects first.</summary>
    private bool _broken;

    private HeldSent? _held;
    private bool _disposed;

    private DeliveryClaimSession(DeliveryLog log, Statements statements, string claimedBy, TimeProvider time)
    {
        _log = log;
        _statements = statements;
        _claimedBy = claimedBy;
        _time = time;
    }

    /// <summary>Prepares the session's statements on <paramref name="connection"/>, which the session then owns.</summary>
    internal static async Task<DeliveryClaimSession> OpenAsync(DeliveryLog log, DbConnection connection, string claimedBy, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var statements = await Statements.PrepareAsync(log, connection, claimedBy, cancellationToken).ConfigureAwait(false);
        return new DeliveryClaimSession(log, statements, claimedBy, time);
    }

    /// <inheritdoc />
    public async Task<ClaimResult> TryClaimAsync(long deliveryId, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        // One timestamp for every attempt: it is what makes a repeated claim find its own earlier commit (DeliveryLog.IsOwnClaim).
        var now = DbText.Timestamp(_time.GetUtcNow());
        var state = await WhenReachableAsync((statements, token) => ClaimOnceAsync(statements, deliveryId, now, token), cancellationToken)
            .ConfigureAwait(false);
        return await WhenReachableAsync((statements, token) => DeliveryLog.ClaimResultOfAsync(statements.Connection, deliveryId, state, token),
            cancellationToken).ConfigureAwait(false);
    }

    private async Task<string?> ClaimOnceAsync(Statements statements, long deliveryId, string now, CancellationToken cancellationToken)
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
                    await _log.MoveAsync(statements.Connection, deliveryId, DeliveryLog.Release, "not sent: the previous outcome could not be recorded",
                        CancellationToken.None).ConfigureAwait(false);
                }
                throw await DeliveryLog.NotMovedAsync(statements.Connection, held.DeliveryId, DeliveryLog.Sent, CancellationToken.None).ConfigureAwait(false);
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
                    throw await DeliveryLog.NotMovedAsync(statements.Connection, held.DeliveryId, DeliveryLog.Sent, CancellationToken.None).ConfigureAwait(false);
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
        _held = new HeldSent(deliveryId, serverReply, DeliveryLog.StoredMessageId(messageId), DbText.Timestamp(_time.GetUtcNow()));
    }

    /// <inheritdoc />
    public async Task RecordFailedAsync(long deliveryId, string reason, CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        await MoveAsync(deliveryId, DeliveryLog.Failed, "failed", reason, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task RecordDeferredAsync(long deliveryId, string reason, DateTimeOffset nextAttemptAt, bool uncertain, CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        await RepeatableAsync(deliveryId, "deferred",
            (connection, token) => _log.RecordDeferredAsync(connection, deliveryId, reason, nextAttemptAt, uncertain, token), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task ReleaseAsync(long deliveryId, string reason, CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        await MoveAsync(deliveryId, DeliveryLog.Release, "pending", reason, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A move that may be repeated after a lost reply.</summary>
    private Task MoveAsync(long deliveryId, DeliveryLog.Move move, string target, string detail, CancellationToken cancellationToken) =>
        RepeatableAsync(deliveryId, target, (connection, token) => _log.MoveAsync(connection, deliveryId, move, detail, token), cancellationToken);

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
            throw await DeliveryLog.NotMovedAsync(_statements.Connection, held.DeliveryId, DeliveryLog.Sent, CancellationToken.None).ConfigureAwait(false);
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
    private async Task<T> WhenReachableAsync<T>(Func<Statements, CancellationToken, Task<T>> write, CancellationToken cancellationToken)
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
                    _log.Outage.Succeeded();
                }
                return result;
            }
            catch (Exception ex) when (_log.Outage.IsUnreachable(ex))
            {
                _log.Outage.Failed(ex);
                _broken = true;
                await Task.Delay(StoreOutage.RetryDelay(attempt), _time, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private async Task ReconnectAsync()
    {
        await _statements.DisposeAsync().ConfigureAwait(false);
        var connection = await _log.OpenSessionConnectionAsync(CancellationToken.None).ConfigureAwait(false);
        _statements = await Statements.PrepareAsync(_log, connection, _claimedBy, CancellationToken.None).ConfigureAwait(false);
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
        command.Parameters.Add(Parameter(command.CreateParameter, "deliveryId", DbType.Int64, deliveryId));
        return await command.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false) as string;
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

    /// <summary>The session's connection and its prepared statements; replaced as a whole when the session reconnects.</summary>
    private sealed class Statements : IAsyncDisposable
    {
        private Statements(DeliveryLog log, DbConnection connection, string claimedBy)
        {
            Connection = connection;
            Claim = connection.CreateCommand();
            Claim.CommandText = log.ClaimSql;
            AddClaimParameters(Claim.Parameters, Claim.CreateParameter, claimedBy);
            Sent = connection.CreateCommand();
            Sent.CommandText = DeliveryLog.Sent.Sql;
            AddSentParameters(Sent.Parameters, Sent.CreateParameter);

            // Microsoft.Data.Sqlite has no batches; Npgsql runs one as an implicit transaction (all or nothing) in one round trip.
            if (connection.CanCreateBatch)
            {
                SentThenClaim = connection.CreateBatch();
                var sent = SentThenClaim.CreateBatchCommand();
                sent.CommandText = DeliveryLog.Sent.Sql;
                AddSentParameters(sent.Parameters, sent.CreateParameter);
                var claim = SentThenClaim.CreateBatchCommand();
                claim.CommandText = log.ClaimSql;
                AddClaimParameters(claim.Parameters, claim.CreateParameter, claimedBy);
                SentThenClaim.BatchCommands.Add(sent);
                SentThenClaim.BatchCommands.Add(claim);
            }
        }

        public DbConnection Connection { get; }

        public DbCommand Claim { get; }

        public DbCommand Sent { get; }

        /// <summary>The held "sent" then the claim, as one round trip, where the provider runs a batch as one transaction (PostgreSQL).</summary>
        public DbBatch? SentThenClaim { get; }

        /// <summary>Prepares the statements on <paramref name="connection"/>, which they then own (disposed on failure).</summary>
        public static async Task<Statements> PrepareAsync(DeliveryLog log, DbConnection connection, string claimedBy, CancellationToken cancellationToken)
        {
            var statements = new Statements(log, connection, claimedBy);
            try
            {
                await statements.Claim.PrepareAsync(cancellationToken).ConfigureAwait(false);
                await statements.Sent.PrepareAsync(cancellationToken).ConfigureAwait(false);
                if (statements.SentThenClaim is { } batch)
                {
                    await batch.PrepareAsync(cancellationToken).ConfigureAwait(false);
                }
                return statements;
            }
            catch
            {
                await statements.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        /// <summary>Lets the connection go; a broken one is closed without complaint.</summary>
        public async ValueTask DisposeAsync()
        {
            try
            {
                if (SentThenClaim is not null)
                {
                    await SentThenClaim.DisposeAsync().ConfigureAwait(false);
                }
                await Claim.DisposeAsync().ConfigureAwait(false);
                await Sent.DisposeAsync().ConfigureAwait(false);
                await Connection.DisposeAsync().ConfigureAwait(false);
            }
            catch (DbException)
            {
                // The connection is already broken (the reason the session is reconnecting); nothing is left to release.
            }
        }

        private static void AddClaimParameters(DbParameterCollection parameters, Func<DbParameter> create, string claimedBy)
        {
            parameters.Add(Parameter(create, "deliveryId", DbType.Int64, 0L));
            parameters.Add(Parameter(create, "claimedBy", DbType.String, claimedBy));
            parameters.Add(Parameter(create, "now", DbType.String, ""));
        }

        private static void AddSentParameters(DbParameterCollection parameters, Func<DbParameter> create)
        {
            parameters.Add(Parameter(create, "deliveryId", DbType.Int64, 0L));
            parameters.Add(Parameter(create, "detail", DbType.String, ""));
            parameters.Add(Parameter(create, "messageId", DbType.String, DBNull.Value));
            parameters.Add(Parameter(create, "now", DbType.String, ""));
        }
    }
}
