using Dapper;
using Newsletter.Core.Deliveries;

namespace Newsletter.Storage;

/// <summary>
/// Each worker's heartbeat in the <c>workers</c> table, and the recovery of claims whose worker stopped beating
/// (<see cref="IWorkerHeartbeats"/>).
/// </summary>
public sealed class WorkerHeartbeats : IWorkerHeartbeats
{
    private readonly StoreDatabase _database;
    private readonly TimeProvider _time;
    private readonly StoreOutage _outage;

    /// <param name="outage">Where this process's writers report the store unreachable; one of its own when null.</param>
    public WorkerHeartbeats(StoreDatabase database, TimeProvider? time = null, StoreOutage? outage = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _time = time ?? TimeProvider.System;
        _outage = outage ?? new StoreOutage(database, _time);
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
        catch (Exception ex) when (_outage.IsUnreachable(ex))
        {
            _outage.Failed(ex);
            throw new StoreUnavailableException(_database.Description, $"The store {_database.Description} cannot be reached: {ex.Message}", ex);
        }
        _outage.Succeeded();
    }

    /// <inheritdoc />
    /// <remarks>
    /// Right after the store was unreachable (seen by this process, or a database server that restarted), every heartbeat is
    /// stale because nobody could write one, not because the workers died: their claims are left alone until a live worker
    /// has had <paramref name="staleAfter"/> to beat again and write what it held.
    /// </remarks>
    public async Task<IReadOnlyList<long>> RecoverAbandonedClaimsAsync(TimeSpan staleAfter, CancellationToken cancellationToken)
    {
        if (_outage.RecentlyBack(staleAfter))
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
        // Sends given a reader by a hand-over (DeliverySql.HandOver) after their batches were queued: queue them again too.
        var handedOver = await connection.QueryAsync<long>(new CommandDefinition(
            "UPDATE sends SET handed_over = 0 WHERE handed_over = 1 AND state = 'running' RETURNING id",
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM workers WHERE heartbeat_at < @forgotten", new { forgotten = DbText.Timestamp(now - TimeSpan.FromDays(1)) },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return sends.Concat(handedOver).Distinct().ToList();
    }
}
