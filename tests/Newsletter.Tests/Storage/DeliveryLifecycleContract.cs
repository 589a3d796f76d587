using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;
using Newsletter.Storage;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Storage;

/// <summary>The delivery states beyond the happy path: deferral, suppression, pause, cancel, retry and crash recovery.</summary>
public abstract class DeliveryLifecycleContract : StoreContract
{
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 4, 6, 7, 0, 0, TimeSpan.Zero));
    private readonly TestDeliveryLog _log;
    private readonly SuppressionList _suppressions;

    protected DeliveryLifecycleContract(TestStore store) : base(store)
    {
        _log = new TestDeliveryLog(Database, _clock);
        _suppressions = new SuppressionList(Database, _clock);
    }

    private async Task<(Send Send, IReadOnlyList<Core.Deliveries.Delivery> Deliveries)> SendToAsync(params string[] emails)
    {
        var send = await _log.CreateSendAsync(1, new MailingList("weekly", "Weekly", emails.Select(e => new Subscriber(e, null)).ToList()), 100, null, None);
        return (send, await _log.GetBatchAsync(send.Id, 0, None));
    }

    [Fact]
    public async Task TryClaim_SkipsADeferredDelivery_UntilItsNextAttemptIsDue()
    {
        var (_, deliveries) = await SendToAsync("a@x.test");
        var id = deliveries[0].Id;
        await _log.TryClaimAsync(id, "w1", None);
        await _log.RecordDeferredAsync(id, "451 try later", _clock.Now.AddMinutes(5), uncertain: false, None);

        Assert.Equal(ClaimResult.NotAvailable, await _log.TryClaimAsync(id, "w1", None));
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(ClaimResult.Claimed, await _log.TryClaimAsync(id, "w1", None));
    }

    [Fact]
    public async Task CreateSend_RecordsASuppressedAddressAsSuppressed_InsteadOfPending()
    {
        await _suppressions.AddAsync("B@X.test", null, SuppressionReason.HardBounce, "550 no such user", None);

        var (send, _) = await SendToAsync("a@x.test", "b@x.test");

        var counts = await _log.CountAsync(1, send.Id, None);
        Assert.Equal((1, 1), (counts.Pending, counts.Suppressed));
    }

    [Fact]
    public async Task TryClaim_MarksTheDeliverySuppressed_WhenTheAddressWasSuppressedAfterTheSendWasCreated()
    {
        var (_, deliveries) = await SendToAsync("a@x.test");
        await _suppressions.AddAsync("a@x.test", "weekly", SuppressionReason.Unsubscribed, null, None);

        Assert.Equal(ClaimResult.Suppressed, await _log.TryClaimAsync(deliveries[0].Id, "w1", None));
        Assert.Equal(1, (await _log.CountAsync(1, null, None)).Suppressed);
    }

    [Fact]
    public async Task TryClaim_IgnoresASuppressionForAnotherList()
    {
        var (_, deliveries) = await SendToAsync("a@x.test");
        await _suppressions.AddAsync("a@x.test", "other-list", SuppressionReason.Unsubscribed, null, None);

        Assert.Equal(ClaimResult.Claimed, await _log.TryClaimAsync(deliveries[0].Id, "w1", None));
    }

    [Fact]
    public async Task TryClaim_ReportsTheSendStopped_WhenTheSendIsPaused()
    {
        var (send, deliveries) = await SendToAsync("a@x.test");

        await _log.PauseSendAsync(send.Id, "operator", None);

        Assert.Equal(ClaimResult.SendStopped, await _log.TryClaimAsync(deliveries[0].Id, "w1", None));
        Assert.True(await _log.ResumeSendAsync(send.Id, None));
        Assert.Equal(ClaimResult.Claimed, await _log.TryClaimAsync(deliveries[0].Id, "w1", None));
    }

    [Fact]
    public async Task ResumeSend_ReturnsASendPausedBeforeItStarted_ToScheduledAtItsTime()
    {
        var at = _clock.Now.AddDays(1);
        var send = await _log.CreateSendAsync(1, new MailingList("weekly", "Weekly", [new Subscriber("a@x.test", null)]), 100, at, None);
        await _log.PauseSendAsync(send.Id, "operator", None);
        // The fan-out scheduled for the send's time fires while it is paused: that must not count as a start.
        await _log.MarkSendStartedAsync(send.Id, None);

        Assert.True(await _log.ResumeSendAsync(send.Id, None));

        var resumed = (await _log.GetSendAsync(send.Id, None))!;
        Assert.Equal((SendState.Scheduled, at, (DateTimeOffset?)null), (resumed.State, resumed.ScheduledFor, resumed.StartedAt));
    }

    [Fact]
    public async Task ResumeSend_LetsASendPausedWhileRunning_RunAgain()
    {
        var (send, _) = await SendToAsync("a@x.test");
        await _log.MarkSendStartedAsync(send.Id, None);
        await _log.PauseSendAsync(send.Id, "operator", None);

        Assert.True(await _log.ResumeSendAsync(send.Id, None));

        Assert.Equal(SendState.Running, (await _log.GetSendAsync(send.Id, None))!.State);
    }

    [Fact]
    public async Task CancelSend_CancelsWhatWasNotSent_AndKeepsWhatWas()
    {
        var (send, deliveries) = await SendToAsync("a@x.test", "b@x.test", "c@x.test");
        await _log.TryClaimAsync(deliveries[0].Id, "w1", None);
        await _log.RecordSentAsync(deliveries[0].Id, "250 ok", null, None);
        await _log.TryClaimAsync(deliveries[1].Id, "w1", None);
        await _log.RecordDeferredAsync(deliveries[1].Id, "421 busy", _clock.Now.AddMinutes(1), false, None);

        var cancelled = await _log.CancelSendAsync(send.Id, None);

        Assert.Equal(2, cancelled);
        var counts = await _log.CountAsync(1, send.Id, None);
        Assert.Equal((1, 2, 0), (counts.Sent, counts.Cancelled, counts.Outstanding));
        Assert.Equal(SendState.Cancelled, (await _log.GetSendAsync(send.Id, None))!.State);
    }

    [Fact]
    public async Task TryMarkSendFinished_RefusesWhileADeliveryIsDeferred()
    {
        var (send, deliveries) = await SendToAsync("a@x.test");
        await _log.TryClaimAsync(deliveries[0].Id, "w1", None);
        await _log.RecordDeferredAsync(deliveries[0].Id, "451", _clock.Now.AddMinutes(1), false, None);

        Assert.False(await _log.TryMarkSendFinishedAsync(send.Id, None));
    }

    [Fact]
    public async Task RetryFailed_ReopensFailedDeliveries_ButNotSuppressedAddresses()
    {
        var (send, deliveries) = await SendToAsync("a@x.test", "b@x.test");
        foreach (var delivery in deliveries)
        {
            await _log.TryClaimAsync(delivery.Id, "w1", None);
            await _log.RecordFailedAsync(delivery.Id, "550 refused", None);
        }
        await _suppressions.AddAsync("b@x.test", null, SuppressionReason.Refused, "550", None);
        await _log.TryMarkSendFinishedAsync(send.Id, None);

        var retried = await _log.RetryFailedAsync(send.Id, None);

        Assert.Equal(1, retried);
        Assert.Equal(SendState.Running, (await _log.GetSendAsync(send.Id, None))!.State);
        Assert.Equal(ClaimResult.Claimed, await _log.TryClaimAsync(deliveries[0].Id, "w1", None));
    }

    [Fact]
    public async Task RecoverAbandonedClaims_ReturnsADeadWorkersDeliveryToPendingAsUncertain()
    {
        var (send, deliveries) = await SendToAsync("a@x.test", "b@x.test");
        await _log.HeartbeatAsync("dead", None);
        await _log.TryClaimAsync(deliveries[0].Id, "dead", None);
        _clock.Advance(TimeSpan.FromSeconds(30));
        await _log.HeartbeatAsync("alive", None);
        await _log.TryClaimAsync(deliveries[1].Id, "alive", None);

        var recovered = await _log.RecoverAbandonedClaimsAsync(TimeSpan.FromSeconds(20), None);

        Assert.Equal([send.Id], recovered);
        var counts = await _log.CountAsync(1, send.Id, None);
        Assert.Equal((1, 1, 1), (counts.Pending, counts.Sending, counts.Uncertain));
    }

    [Fact]
    public async Task RecoverAbandonedClaims_LeavesALiveWorkersClaimAlone()
    {
        var (send, deliveries) = await SendToAsync("a@x.test");
        await _log.HeartbeatAsync("alive", None);
        // The claim must have been taken, or there would be nothing for recovery to leave alone.
        Assert.Equal(ClaimResult.Claimed, await _log.TryClaimAsync(deliveries[0].Id, "alive", None));
        _clock.Advance(TimeSpan.FromSeconds(10));

        Assert.Empty(await _log.RecoverAbandonedClaimsAsync(TimeSpan.FromSeconds(20), None));
        var counts = await _log.CountAsync(1, send.Id, None);
        Assert.Equal((0, 1, 0), (counts.Pending, counts.Sending, counts.Uncertain));
    }

    [Fact]
    public async Task FindByMessageId_FindsTheDelivery_WithOrWithoutAngleBrackets()
    {
        var (_, deliveries) = await SendToAsync("a@x.test");
        await _log.TryClaimAsync(deliveries[0].Id, "w1", None);
        await _log.RecordSentAsync(deliveries[0].Id, "250 ok", "abc.123@newsletter.test", None);

        Assert.Equal(deliveries[0].Id, (await _log.FindByMessageIdAsync("<abc.123@newsletter.test>", None))?.Id);
    }
}

public sealed class SqliteDeliveryLifecycleTests() : DeliveryLifecycleContract(new SqliteTestStore());

public sealed class PostgreSqlDeliveryLifecycleTests(PostgreSqlDatabaseFixture database)
    : DeliveryLifecycleContract(new PostgreSqlTestStore(database)), IClassFixture<PostgreSqlDatabaseFixture>;
