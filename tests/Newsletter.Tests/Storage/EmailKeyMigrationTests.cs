using Dapper;
using Microsoft.Data.Sqlite;
using Newsletter.Storage;

namespace Newsletter.Tests.Storage;

/// <summary>
/// Schema version 3 keys every stored address with <see cref="Newsletter.Core.Lists.EmailKey"/>, computed in C#: a store
/// written by version 2 (which matched with SQLite's ASCII-only lower()) is upgraded in place.
/// </summary>
public sealed class EmailKeyMigrationTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly TempDatabase _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task InitializeAsync_UpgradesAVersion2Store_SoNonAsciiSpellingsMatchTheirSuppressionsAndDeliveries()
    {
        await WriteVersion2StoreAsync();

        var upgraded = new SqliteDatabase(_temp.FilePath);
        var suppressions = new SqliteSuppressionList(upgraded);
        var bounces = new SqliteBounceStore(upgraded);

        // ÄDA's unsubscribe (stored by version 2 under lower() = 'Äda@example.com') now matches every spelling of her.
        Assert.True(await suppressions.IsSuppressedAsync("äda@example.com", "readers", None));
        Assert.True(await suppressions.IsSuppressedAsync("ÄDA@EXAMPLE.COM", "readers", None));
        // Two spellings of one suppression on one list became one, the older kept.
        var ada = Assert.Single(await suppressions.ListAsync(None));
        Assert.Equal("ÄDA@example.com", ada.Email);
        // The sent delivery is found by any spelling, for bounces.
        Assert.Equal(1, (await bounces.FindLastSentAsync("élodie@example.com", None))?.IssueNumber);

        await using var connection = await upgraded.OpenAsync(None);
        Assert.Equal(Schema.CurrentVersion, await connection.ExecuteScalarAsync<int>("PRAGMA user_version"));
        var rows = (await connection.QueryAsync<(string Email, string? Key, string State)>(
            "SELECT email, email_key, state FROM deliveries ORDER BY id")).ToList();
        Assert.Equal(
            [("ÉLODIE@example.com", "élodie@example.com", "sent"), ("élodie@example.com", null, "cancelled"), ("ÄDA@example.com", "äda@example.com", "suppressed")],
            rows);
        // The soft bounces of one issue in two spellings count once.
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM soft_bounces"));
    }

    [Fact]
    public async Task InitializeAsync_KeepsOneDeliveryPerIssueAndKey_AfterTheUpgrade()
    {
        await WriteVersion2StoreAsync();
        var upgraded = new SqliteDatabase(_temp.FilePath);
        await upgraded.InitializeAsync(None);

        await using var connection = await upgraded.OpenAsync(None);
        var duplicate = await Assert.ThrowsAsync<SqliteException>(() => connection.ExecuteAsync("""
            INSERT INTO deliveries (send_id, issue_number, batch_number, position, email, email_key, state)
            VALUES (2, 1, 0, 5, 'Élodie@Example.com', 'élodie@example.com', 'pending')
            """));
        Assert.Contains("UNIQUE", duplicate.Message);
    }

    /// <summary>What version 2 left behind when the same people were written in different case, non-ASCII letters first.</summary>
    private async Task WriteVersion2StoreAsync()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_temp.FilePath)!);
        await using (var connection = new SqliteConnection($"Data Source={_temp.FilePath}"))
        {
            await connection.OpenAsync(None);
            await Schema.ApplyAsync(connection, None, targetVersion: 2);
            await connection.ExecuteAsync("""
                INSERT INTO sends (id, issue_number, list_name, state, batch_size, batch_count, recipient_count, created_at)
                VALUES (1, 1, 'news', 'running', 100, 1, 1, '2026-04-06T07:00:00.0000000+00:00'),
                       (2, 1, 'papers', 'running', 100, 1, 1, '2026-04-06T07:00:00.0000000+00:00');
                -- The old bug: lower() left É and é apart, so one issue was recorded for both spellings.
                INSERT INTO deliveries (send_id, issue_number, batch_number, position, email, state)
                VALUES (1, 1, 0, 0, 'ÉLODIE@example.com', 'sent'),
                       (2, 1, 0, 0, 'élodie@example.com', 'pending'),
                       (1, 1, 0, 1, 'ÄDA@example.com', 'suppressed');
                INSERT INTO suppressions (email_lower, list_name, email, reason, detail, created_at)
                VALUES (lower('ÄDA@example.com'), 'readers', 'ÄDA@example.com', 'unsubscribed', 'one-click', '2026-04-01T00:00:00.0000000+00:00'),
                       (lower('äda@example.com'), 'readers', 'äda@example.com', 'unsubscribed', 'page', '2026-04-02T00:00:00.0000000+00:00');
                INSERT INTO soft_bounces (email_lower, issue_number, email, status, created_at)
                VALUES (lower('ÉLODIE@example.com'), 1, 'ÉLODIE@example.com', '4.2.2', '2026-04-06T08:00:00.0000000+00:00'),
                       (lower('élodie@example.com'), 1, 'élodie@example.com', '4.2.2', '2026-04-06T09:00:00.0000000+00:00');
                """);
            Assert.Equal(2, await connection.ExecuteScalarAsync<int>("PRAGMA user_version"));
        }
        SqliteConnection.ClearAllPools();
    }
}
