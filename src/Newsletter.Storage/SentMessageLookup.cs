using Dapper;
using Newsletter.Core.Deliveries;
using static Newsletter.Storage.DeliverySql;

namespace Newsletter.Storage;

/// <summary>Finds the delivery a bounce or complaint quotes, by the Message-ID it was sent with (<see cref="ISentMessageLookup"/>).</summary>
public sealed class SentMessageLookup : ISentMessageLookup
{
    private readonly StoreDatabase _database;

    public SentMessageLookup(StoreDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
    }

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
}
