using Newsletter.Storage;
using Newsletter.Tests.Storage;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Bounces;

public abstract class BounceStoreContract : StoreContract
{
    private readonly TestDeliveryLog _log;
    private readonly BounceStore _store;

    protected BounceStoreContract(TestStore store) : base(store)
    {
        _log = new TestDeliveryLog(Database);
        _store = new BounceStore(Database);
    }

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
    public async Task FindSentAsync_ReturnsThatIssuesDeliveryAndList_WhenTheAddressWasSentALaterIssueToo()
    {
        await SentIssues.SendAsync(_log, 1, ["grace@example.net"]);
        await SentIssues.SendAsync(_log, 2, ["grace@example.net"]);

        var sent = await _store.FindSentAsync("GRACE@example.net", 1, None);

        Assert.Equal((1, "weekly", "grace@example.net"), (sent?.IssueNumber, sent?.ListName, sent?.Email));
        Assert.Equal((await _log.FindSendAsync(1, "weekly", None))!.Id, sent!.SendId);
        Assert.Null(await _store.FindSentAsync("grace@example.net", 3, None));
    }

    [Fact]
    public async Task RecordComplaintAsync_CountsADeliveryOnceAgainstItsSend_WhenTheSameComplaintIsRecordedTwice()
    {
        await SentIssues.SendAsync(_log, 1, ["ada@example.com", "grace@example.net"]);
        await SentIssues.SendAsync(_log, 2, ["grace@example.net"]);
        var sent = (await _store.FindSentAsync("grace@example.net", 1, None))!;

        Assert.True(await _store.RecordComplaintAsync(sent.DeliveryId, sent.SendId, None));
        Assert.False(await _store.RecordComplaintAsync(sent.DeliveryId, sent.SendId, None));

        var progress = await _log.GetSendProgressAsync([sent.SendId, (await _log.FindSendAsync(2, "weekly", None))!.Id], None);
        Assert.Equal([(1, 0.5), (0, 0.0)], progress.Select(p => (p.Complaints, p.ComplaintRate)));
    }

    [Fact]
    public async Task FindLastSentAsync_ReturnsNull_WhenAddressWasNeverSentAnything()
    {
        await SentIssues.SendAsync(_log, 1, ["grace@example.net"]);

        Assert.Null(await _store.FindLastSentAsync("stranger@example.net", None));
    }
}

public sealed class SqliteBounceStoreTests() : BounceStoreContract(new SqliteTestStore());

public sealed class PostgreSqlBounceStoreTests(PostgreSqlDatabaseFixture database)
    : BounceStoreContract(new PostgreSqlTestStore(database)), IClassFixture<PostgreSqlDatabaseFixture>;
