using Dapper;
using Newsletter.Core.Reports;

namespace Newsletter.Storage;

/// <summary>
/// The counts an issue's report reads from the delivery log and the suppression list. Every query returns counts or reasons,
/// never an address.
/// </summary>
public sealed class IssueActivity(StoreDatabase database) : IIssueActivity
{
    /// <inheritdoc />
    public async Task<IReadOnlyList<TimeCount>> SentPerSecondAsync(int issueNumber, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        // Timestamps are fixed-width ISO text on both databases: the first 19 characters are the second.
        var rows = await connection.QueryAsync<SecondRow>(new CommandDefinition("""
            SELECT substr(updated_at, 1, 19) AS Second, count(*) AS Count FROM deliveries
            WHERE issue_number = @issueNumber AND state = 'sent' AND updated_at IS NOT NULL
            GROUP BY substr(updated_at, 1, 19) ORDER BY 1
            """, new { issueNumber }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => new TimeCount(DbText.ParseTimestamp(r.Second + "Z"), r.Count)).ToList();
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<(string ListName, string Reason)>> FailuresAsync(int issueNumber, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<FailureRow>(new CommandDefinition("""
            SELECT sends.list_name AS ListName, deliveries.detail AS Reason FROM deliveries JOIN sends ON sends.id = deliveries.send_id
            WHERE deliveries.issue_number = @issueNumber AND deliveries.state = 'failed'
            """, new { issueNumber }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => (r.ListName, r.Reason ?? "")).ToList();
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<UnsubscribesCount>> UnsubscribesAsync(int issueNumber, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        // An unsubscribe belongs to this issue when this issue reached the address on that list before it, and no later issue
        // reached the address before it.
        var rows = await connection.QueryAsync<UnsubscribesRow>(new CommandDefinition("""
            SELECT sends.list_name AS ListName, count(*) AS Count
            FROM suppressions
            JOIN deliveries ON deliveries.email_key = suppressions.email_key AND deliveries.issue_number = @issueNumber
                           AND deliveries.state = 'sent' AND deliveries.updated_at <= suppressions.created_at
            JOIN sends ON sends.id = deliveries.send_id
            WHERE suppressions.reason = 'unsubscribed'
              AND suppressions.list_name IN ('', sends.list_name)
              AND NOT EXISTS (SELECT 1 FROM deliveries later
                              WHERE later.email_key = suppressions.email_key AND later.issue_number > @issueNumber
                                AND later.state = 'sent' AND later.updated_at <= suppressions.created_at)
            GROUP BY sends.list_name
            """, new { issueNumber }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => new UnsubscribesCount(r.ListName, (int)r.Count)).ToList();
    }

    private sealed class SecondRow
    {
        public string Second { get; set; } = "";
        public long Count { get; set; }
    }

    private sealed class FailureRow
    {
        public string ListName { get; set; } = "";
        public string? Reason { get; set; }
    }

    private sealed class UnsubscribesRow
    {
        public string ListName { get; set; } = "";
        public long Count { get; set; }
    }
}
