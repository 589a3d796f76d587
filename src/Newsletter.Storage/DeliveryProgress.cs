using System.Globalization;
using Dapper;
using Newsletter.Core.Deliveries;
using static Newsletter.Storage.DeliverySql;

namespace Newsletter.Storage;

/// <summary>
/// How far each send has got (<see cref="IDeliveryProgress"/>): deliveries counted by state, per issue or per send, and the
/// failures to report. Reads only.
/// </summary>
public sealed class DeliveryProgress : IDeliveryProgress
{
    private readonly StoreDatabase _database;

    public DeliveryProgress(StoreDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
    }

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
}
