using Dapper;
using Newsletter.Core.Bounces;
using Newsletter.Core.Lists;

namespace Newsletter.Storage;

/// <summary>The <see cref="IBounceStore"/> on either provider: the <c>deliveries</c> and <c>soft_bounces</c> tables.</summary>
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

    public async Task<SentDelivery?> FindLastSentAsync(string email, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<SentRow>(new CommandDefinition("""
            SELECT id AS DeliveryId, issue_number AS IssueNumber, email AS Email FROM deliveries
            WHERE email_key = @key AND state = 'sent'
            ORDER BY issue_number DESC LIMIT 1
            """,
            new { key = EmailKey.Of(email).Value }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row is null ? null : new SentDelivery(row.DeliveryId, row.IssueNumber, row.Email);
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
        public int IssueNumber { get; set; }
        public string Email { get; set; } = "";
    }

    private sealed class IssueBounced
    {
        public int IssueNumber { get; set; }
        public bool Bounced { get; set; }
    }
}
