using Dapper;
using Newsletter.Core.Bounces;
using Newsletter.Core.Lists;

namespace Newsletter.Storage;

/// <summary>The <see cref="IBounceStore"/> on either provider: the <c>deliveries</c>, <c>soft_bounces</c> and <c>complaints</c> tables.</summary>
public sealed class BounceStore : IBounceStore
{
    private readonly StoreDatabase _database;
    private readonly TimeProvider _time;

    public BounceStore(StoreDatabase database, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _time = time ?? TimeProvider.System;
    }

    public Task<SentDelivery?> FindLastSentAsync(string email, CancellationToken cancellationToken) =>
        FindAsync(email, issueNumber: null, cancellationToken);

    public Task<SentDelivery?> FindSentAsync(string email, int issueNumber, CancellationToken cancellationToken) =>
        FindAsync(email, issueNumber, cancellationToken);

    private async Task<SentDelivery?> FindAsync(string email, int? issueNumber, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<SentRow>(new CommandDefinition("""
            SELECT d.id AS DeliveryId, d.send_id AS SendId, d.issue_number AS IssueNumber, s.list_name AS ListName, d.email AS Email
            FROM deliveries d JOIN sends s ON s.id = d.send_id
            WHERE d.email_key = @key AND d.state = 'sent' AND (@issueNumber IS NULL OR d.issue_number = @issueNumber)
            ORDER BY d.issue_number DESC LIMIT 1
            """,
            new { key = EmailKey.Of(email).Value, issueNumber }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row is null ? null : new SentDelivery(row.DeliveryId, row.SendId, row.IssueNumber, row.ListName, row.Email);
    }

    public async Task<bool> RecordComplaintAsync(long deliveryId, long sendId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO complaints (delivery_id, send_id) VALUES (@deliveryId, @sendId) ON CONFLICT DO NOTHING",
            new { deliveryId, sendId }, cancellationToken: cancellationToken)).ConfigureAwait(false) == 1;
    }

    public async Task<int> RecordSoftBounceAsync(string email, int issueNumber, string status, string? detail, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        ArgumentException.ThrowIfNullOrWhiteSpace(status);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO soft_bounces (email_key, issue_number, email, status, detail, created_at)
            VALUES (@key, @issueNumber, @email, @status, @detail, @now)
            ON CONFLICT DO NOTHING
            """,
            new { key = EmailKey.Of(email).Value, email = email.Trim(), issueNumber, status, detail, now = DbText.Timestamp(_time.GetUtcNow()) },
            cancellationToken: cancellationToken)).ConfigureAwait(false);

        // Every issue the address was sent, or soft-bounced on, up to this one, newest first; with whether it soft-bounced.
        var issues = await connection.QueryAsync<IssueBounced>(new CommandDefinition("""
            SELECT issue_number AS IssueNumber,
                   EXISTS (SELECT 1 FROM soft_bounces s WHERE s.email_key = @key AND s.issue_number = i.issue_number) AS Bounced
            FROM (SELECT issue_number FROM deliveries WHERE email_key = @key AND state = 'sent' AND issue_number <= @issueNumber
                  UNION
                  SELECT issue_number FROM soft_bounces WHERE email_key = @key AND issue_number <= @issueNumber) AS i
            ORDER BY issue_number DESC
            """,
            new { key = EmailKey.Of(email).Value, issueNumber }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return issues.TakeWhile(i => i.Bounced).Count();
    }

    private sealed class SentRow
    {
        public long DeliveryId { get; set; }
        public long SendId { get; set; }
        public int IssueNumber { get; set; }
        public string ListName { get; set; } = "";
        public string Email { get; set; } = "";
    }

    private sealed class IssueBounced
    {
        public int IssueNumber { get; set; }
        public bool Bounced { get; set; }
    }
}
