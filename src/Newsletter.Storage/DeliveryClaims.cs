using Dapper;
using Newsletter.Core.Deliveries;
using static Newsletter.Storage.DeliverySql;

namespace Newsletter.Storage;

/// <summary>
/// What a sending loop needs of the delivery log (<see cref="IDeliveryClaims"/>): a batch's deliveries, and a claim session
/// on a connection of its own (<see cref="DeliveryClaimSession"/>), whose conditional claim is what keeps a batch that runs
/// twice, even at the same moment on two workers or machines, from mailing anyone twice.
/// </summary>
public sealed class DeliveryClaims : IDeliveryClaims
{
    private readonly StoreDatabase _database;
    private readonly TimeProvider _time;
    private readonly StoreOutage _outage;

    /// <param name="outage">Where this process's writers report the store unreachable; one of its own when null.</param>
    public DeliveryClaims(StoreDatabase database, TimeProvider? time = null, StoreOutage? outage = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _time = time ?? TimeProvider.System;
        _outage = outage ?? new StoreOutage(database, _time);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="claimedBy"/> is empty.</exception>
    public async Task<IDeliveryClaimSession> OpenSessionAsync(string claimedBy, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(claimedBy);
        return await DeliveryClaimSession.OpenAsync(_database, _outage, claimedBy, _time, cancellationToken).ConfigureAwait(false);
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
    /// <exception cref="InvalidOperationException">The delivery does not exist or is not being sent.</exception>
    public async Task ReleaseAsync(long deliveryId, string reason, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenForDeliveryLogAsync(cancellationToken).ConfigureAwait(false);
        await MoveAsync(connection, deliveryId, Release, reason, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
    }
}
