using Newsletter.Storage;
using Newsletter.Tests.Storage;

namespace Newsletter.Tests.Bounces;

public sealed class SqliteBounceStoreTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly TempDatabase _temp = new();
    private readonly SqliteDeliveryLog _log;
    private readonly SqliteBounceStore _store;

    public SqliteBounceStoreTests()
    {
        _log = new SqliteDeliveryLog(_temp.Database);
        _store = new SqliteBounceStore(_temp.Database);
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task RecordSoftBounceAsync_CountsConsecutiveIssues_WhenEachIssueSoftBounced()
    {
        for (var issue = 1; issue <= 3; issue++)
        {
            await SentIssues.SendAsync(_log, issue, ["grace@example.net"]);
        }

        Assert.Equal(1, await _store.RecordSoftBounceAsync("grace@example.net", 1, "4.2.2", null, None));
        Assert.Equal(2, await _store.RecordSoftBounceAsync("grace@example.net", 2, "4.2.2", null, None));
        Assert.Equal(3, await _store.RecordSoftBounceAsync("GRACE@example.net", 3, "4.2.2", null, None));
    }

    [Fact]
    public async Task RecordSoftBounceAsync_StartsCountingAgain_WhenAnIssueBetweenWasSentWithoutBounce()
    {
        for (var issue = 1; issue <= 3; issue++)
        {
            await SentIssues.SendAsync(_log, issue, ["grace@example.net"]);
        }
        await _store.RecordSoftBounceAsync("grace@example.net", 1, "4.2.2", null, None);

        Assert.Equal(1, await _store.RecordSoftBounceAsync("grace@example.net", 3, "4.2.2", null, None));
    }

    [Fact]
    public async Task RecordSoftBounceAsync_KeepsTheRun_WhenTheAddressWasNotSentAnIssueBetween()
    {
        await SentIssues.SendAsync(_log, 1, ["grace@example.net"]);
        await SentIssues.SendAsync(_log, 2, ["someone.else@example.net"]);
        await SentIssues.SendAsync(_log, 3, ["grace@example.net"]);
        await _store.RecordSoftBounceAsync("grace@example.net", 1, "4.2.2", null, None);

        Assert.Equal(2, await _store.RecordSoftBounceAsync("grace@example.net", 3, "4.2.2", null, None));
    }

    [Fact]
    public async Task RecordSoftBounceAsync_CountsAnIssueOnce_WhenItsBounceIsRecordedAgain()
    {
        await SentIssues.SendAsync(_log, 1, ["grace@example.net"]);

        await _store.RecordSoftBounceAsync("grace@example.net", 1, "4.2.2", null, None);
        Assert.Equal(1, await _store.RecordSoftBounceAsync("grace@example.net", 1, "4.4.7", null, None));
    }

    [Fact]
    public async Task FindLastSentAsync_ReturnsTheNewestIssueSent_WhenAddressDiffersInCase()
    {
        await SentIssues.SendAsync(_log, 1, ["Grace@Example.net"]);
        await SentIssues.SendAsync(_log, 2, ["Grace@Example.net"]);

        var sent = await _store.FindLastSentAsync("grace@example.net", None);

        Assert.Equal((2, "Grace@Example.net"), (sent?.IssueNumber, sent?.Email));
    }

    [Fact]
    public async Task FindLastSentAsync_ReturnsNull_WhenAddressWasNeverSentAnything()
    {
        await SentIssues.SendAsync(_log, 1, ["grace@example.net"]);

        Assert.Null(await _store.FindLastSentAsync("stranger@example.net", None));
    }

    [Fact]
    public async Task InitializeAsync_UpgradesAVersion1Database_WithoutTouchingItsDeliveries()
    {
        // A store written before bounces existed: migration 1 only, one delivery sent.
        Directory.CreateDirectory(Path.GetDirectoryName(_temp.FilePath)!);
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_temp.FilePath}"))
        {
            await connection.OpenAsync(None);
            await Schema.ApplyAsync(connection, None, targetVersion: 1);
            await Dapper.SqlMapper.ExecuteAsync(connection, """
                INSERT INTO sends (id, issue_number, list_name, state, batch_size, batch_count, recipient_count, created_at)
                VALUES (1, 1, 'readers', 'finished', 100, 1, 1, '2026-04-06T07:00:00.0000000+00:00');
                INSERT INTO deliveries (send_id, issue_number, batch_number, position, email, state)
                VALUES (1, 1, 0, 0, 'grace@example.net', 'sent');
                """);
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        var upgraded = new SqliteDatabase(_temp.FilePath);
        var store = new SqliteBounceStore(upgraded);

        Assert.Equal(1, (await store.FindLastSentAsync("grace@example.net", None))?.IssueNumber);
        Assert.Equal(1, await store.RecordSoftBounceAsync("grace@example.net", 1, "4.2.2", null, None));
        await using var check = await upgraded.OpenAsync(None);
        Assert.Equal(Schema.CurrentVersion, await Dapper.SqlMapper.ExecuteScalarAsync<int>(check, "PRAGMA user_version"));
    }
}
