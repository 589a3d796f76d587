using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;
using Newsletter.Storage;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Storage;

/// <summary>
/// A reader on lists A and B gets each issue once, through whichever send recorded her first; if she then leaves A, the issue
/// still reaches her through B, which she did not leave. A bounce or complaint suppresses her everywhere.
/// </summary>
public abstract class CrossListContract : StoreContract
{
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 4, 6, 7, 0, 0, TimeSpan.Zero));
    private readonly TestDeliveryLog _log;
    private readonly SuppressionList _suppressions;

    protected CrossListContract(TestStore store) : base(store)
    {
        _log = new TestDeliveryLog(Database, _clock);
        _suppressions = new SuppressionList(Database, _clock);
    }

    private static MailingList List(string name, params string[] emails) => new(name, name, emails.Select(e => new Subscriber(e, null)).ToList());

    /// <summary>Issue 1 recorded for list "a" (Ada and Bob), then for list "b" (Ada, in another spelling, and Cy).</summary>
    private async Task<(Send A, Send B)> BothSendsRecordedAsync()
    {
        var a = await _log.CreateSendAsync(1, List("a", "ada@x.test", "bob@x.test"), 100, null, None);
        var b = await _log.CreateSendAsync(1, List("b", "ADA@x.test", "cy@x.test"), 100, null, None);
        return (a, b);
    }

    private async Task<List<Core.Deliveries.Delivery>> DeliveriesAsync(Send send)
    {
        var current = await _log.GetSendAsync(send.Id, None);
        var deliveries = new List<Core.Deliveries.Delivery>();
        for (var batch = 0; batch < current!.BatchCount; batch++)
        {
            deliveries.AddRange(await _log.GetBatchAsync(send.Id, batch, None));
        }
        return deliveries;
    }

    private async Task<ClaimResult> ClaimAdaOnAAsync(Send a)
    {
        var ada = (await DeliveriesAsync(a)).Single(d => d.Email == "ada@x.test");
        await using var session = await _log.OpenSessionAsync("w1", None);
        return await session.TryClaimAsync(ada.Id, None);
    }

    [Fact]
    public async Task Claim_HandsTheIssueToHerOtherListsSend_WhenSheLeftTheListThatHeldItAfterBothSendsWereRecorded()
    {
        var (a, b) = await BothSendsRecordedAsync();
        Assert.DoesNotContain(await DeliveriesAsync(b), d => d.Email == "ADA@x.test");
        await _suppressions.AddAsync("ada@x.test", "a", SuppressionReason.Unsubscribed, null, None);

        Assert.Equal(ClaimResult.Suppressed, await ClaimAdaOnAAsync(a));

        var handed = Assert.Single(await DeliveriesAsync(b), d => d.Email == "ADA@x.test");
        Assert.Equal(DeliveryState.Pending, handed.State);
        Assert.Equal(ClaimResult.Claimed, await _log.TryClaimAsync(handed.Id, "w1", None));
        Assert.Equal(2, (await _log.GetSendAsync(b.Id, None))!.RecipientCount);
    }

    [Fact]
    public async Task Claim_HandsNothingOver_WhenHerSuppressionIsForEveryList()
    {
        var (a, b) = await BothSendsRecordedAsync();
        await _suppressions.AddAsync("ada@x.test", null, SuppressionReason.HardBounce, "550 no such user", None);

        Assert.Equal(ClaimResult.Suppressed, await ClaimAdaOnAAsync(a));

        Assert.DoesNotContain(await DeliveriesAsync(b), d => d.Email == "ADA@x.test");
    }

    [Fact]
    public async Task Claim_HandsNothingOver_WhenSheLeftBothLists()
    {
        var (a, b) = await BothSendsRecordedAsync();
        await _suppressions.AddAsync("ada@x.test", "a", SuppressionReason.Unsubscribed, null, None);
        await _suppressions.AddAsync("ada@x.test", "b", SuppressionReason.Unsubscribed, null, None);

        Assert.Equal(ClaimResult.Suppressed, await ClaimAdaOnAAsync(a));

        Assert.DoesNotContain(await DeliveriesAsync(b), d => d.Email == "ADA@x.test");
    }

    [Fact]
    public async Task RecoverAbandonedClaims_QueuesAgainAFinishedSend_WhenItWasHandedAReaderAfterItsBatchesRan()
    {
        var (a, b) = await BothSendsRecordedAsync();
        await _log.MarkSendStartedAsync(b.Id, None);
        var cy = Assert.Single(await DeliveriesAsync(b));
        await _log.TryClaimAsync(cy.Id, "w1", None);
        await _log.RecordSentAsync(cy.Id, "250 ok", null, None);
        Assert.True(await _log.TryMarkSendFinishedAsync(b.Id, None));
        await _suppressions.AddAsync("ada@x.test", "a", SuppressionReason.Unsubscribed, null, None);

        await ClaimAdaOnAAsync(a);

        Assert.Equal(SendState.Running, (await _log.GetSendAsync(b.Id, None))!.State);
        Assert.Equal([b.Id], await _log.RecoverAbandonedClaimsAsync(TimeSpan.FromSeconds(30), None));
        Assert.Empty(await _log.RecoverAbandonedClaimsAsync(TimeSpan.FromSeconds(30), None));
    }
}

public sealed class SqliteCrossListTests() : CrossListContract(new SqliteTestStore());

public sealed class PostgreSqlCrossListTests(PostgreSqlDatabaseFixture database)
    : CrossListContract(new PostgreSqlTestStore(database)), IClassFixture<PostgreSqlDatabaseFixture>;
