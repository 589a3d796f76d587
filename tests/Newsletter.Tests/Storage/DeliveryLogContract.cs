using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;
using Newsletter.Storage;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Storage;

public abstract class DeliveryLogContract : StoreContract
{
    private readonly TestDeliveryLog _log;

    protected DeliveryLogContract(TestStore store) : base(store) => _log = new TestDeliveryLog(Database);

    private static MailingList List(string name, params string[] emails) =>
        new(name, name.ToUpperInvariant(), emails.Select(e => new Subscriber(e, $"Name of {e}")).ToList());

    private static MailingList NumberedList(string name, int count) =>
        new(name, name, Enumerable.Range(0, count).Select(i => new Subscriber($"user{i}@example.com", null)).ToList());

    [Fact]
    public async Task CreateSendAsync_RecordsOnePendingDeliveryPerSubscriber_WhenSendIsNew()
    {
        var scheduledFor = new DateTimeOffset(2026, 4, 6, 8, 0, 0, TimeSpan.Zero);

        var send = await _log.CreateSendAsync(1, List("weekly", "a@x.test", "b@x.test", "c@x.test"), 100, scheduledFor, None);

        Assert.Equal((1, "weekly", SendState.Scheduled, 3, 1, 100), (send.IssueNumber, send.ListName, send.State, send.RecipientCount, send.BatchCount, send.BatchSize));
        Assert.Equal(scheduledFor, send.ScheduledFor);
        Assert.Equal(new DeliveryCounts(3, 0, 0, 0), await _log.CountAsync(1, send.Id, None));
    }

    [Fact]
    public async Task CreateSendAsync_ReturnsExistingSendUnchanged_WhenCalledAgainForSameIssueAndList()
    {
        var first = await _log.CreateSendAsync(1, List("weekly", "a@x.test", "b@x.test"), 1, null, None);

        var again = await _log.CreateSendAsync(1, List("weekly", "a@x.test", "b@x.test", "new@x.test"), 50, DateTimeOffset.UtcNow, None);

        Assert.Equal(first, again);
        Assert.Equal(2, (await _log.CountAsync(1, null, None)).Total);
    }

    [Fact]
    public async Task CreateSendAsync_CreatesOneSend_WhenCalledConcurrentlyForSameIssueAndList()
    {
        var list = NumberedList("weekly", 500);

        var sends = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            Task.Run(() => new TestDeliveryLog(Store.OpenAgain()).CreateSendAsync(1, list, 100, null, None))));

        Assert.Single(sends.Select(s => s.Id).Distinct());
        Assert.Equal(500, (await _log.CountAsync(1, null, None)).Total);
    }

    [Fact]
    public async Task CreateSendAsync_LeavesOutSubscribersAlreadyReached_WhenIssueGoesToSecondList()
    {
        await _log.CreateSendAsync(1, List("weekly", "a@x.test", "b@x.test"), 10, null, None);

        var second = await _log.CreateSendAsync(1, List("friends", "B@X.test", "c@x.test"), 10, null, None);

        Assert.Equal(1, second.RecipientCount);
        var delivery = Assert.Single(await _log.GetBatchAsync(second.Id, 0, None));
        Assert.Equal("c@x.test", delivery.Email);
        Assert.Equal(3, (await _log.CountAsync(1, null, None)).Total);
    }

    [Fact]
    public async Task CreateSendAsync_LeavesOutASecondListsSpelling_WhenAddressesDifferOnlyInNonAsciiCase()
    {
        await _log.CreateSendAsync(1, List("news", "ÉLODIE@example.com"), 100, null, None);

        var papers = await _log.CreateSendAsync(1, List("papers", "élodie@example.com", "grace@example.com"), 100, null, None);

        Assert.Equal(1, papers.RecipientCount);
    }

    [Fact]
    public async Task CreateSendAsync_RecordsTheSubscriberOnListB_WhenSheIsUnsubscribedFromListAOnly()
    {
        var suppressions = new SuppressionList(Database);
        await suppressions.AddAsync("ÄDA@example.com", "news", SuppressionReason.Unsubscribed, null, None);
        var news = await _log.CreateSendAsync(1, List("news", "äda@example.com"), 100, null, None);

        var papers = await _log.CreateSendAsync(1, List("papers", "Äda@Example.com"), 100, null, None);

        Assert.Equal(1, (await _log.CountAsync(1, news.Id, None)).Suppressed);
        Assert.Equal(1, (await _log.CountAsync(1, papers.Id, None)).Pending);
    }

    [Fact]
    public async Task CreateSendAsync_RecordsTheSubscriberOnListB_WhenSheUnsubscribedFromListAAfterItsSendWasRecorded()
    {
        var news = await _log.CreateSendAsync(1, List("news", "ada@example.com"), 100, null, None);
        await new SuppressionList(Database).AddAsync("ada@example.com", "news", SuppressionReason.Unsubscribed, null, None);

        var papers = await _log.CreateSendAsync(1, List("papers", "ada@example.com"), 100, null, None);

        Assert.Equal(1, (await _log.CountAsync(1, news.Id, None)).Suppressed);
        Assert.Equal(1, (await _log.CountAsync(1, papers.Id, None)).Pending);
    }

    [Fact]
    public async Task CreateSendAsync_IncludesSubscriberAgain_WhenIssueIsDifferent()
    {
        await _log.CreateSendAsync(1, List("weekly", "a@x.test"), 10, null, None);

        var next = await _log.CreateSendAsync(2, List("weekly", "a@x.test"), 10, null, None);

        Assert.Equal(1, next.RecipientCount);
    }

    [Fact]
    public async Task CreateSendAsync_NumbersBatchesByPositionFromZero_WhenListExceedsBatchSize()
    {
        var send = await _log.CreateSendAsync(1, NumberedList("weekly", 7), 3, null, None);

        Assert.Equal(3, send.BatchCount);
        var batches = new List<IReadOnlyList<Core.Deliveries.Delivery>>();
        for (var b = 0; b < 3; b++)
        {
            batches.Add(await _log.GetBatchAsync(send.Id, b, None));
        }

        Assert.Equal(["user0@example.com", "user1@example.com", "user2@example.com"], batches[0].Select(d => d.Email));
        Assert.Equal(["user3@example.com", "user4@example.com", "user5@example.com"], batches[1].Select(d => d.Email));
        Assert.Equal(["user6@example.com"], batches[2].Select(d => d.Email));
        Assert.Empty(await _log.GetBatchAsync(send.Id, 3, None));
    }

    [Fact]
    public async Task CreateSendAsync_KeepsBatchesFull_WhenSomeSubscribersAreLeftOut()
    {
        await _log.CreateSendAsync(1, List("weekly", "user1@example.com", "user2@example.com"), 10, null, None);

        var send = await _log.CreateSendAsync(1, NumberedList("big", 6), 2, null, None);

        Assert.Equal((4, 2), (send.RecipientCount, send.BatchCount));
        Assert.Equal(["user0@example.com", "user3@example.com"], (await _log.GetBatchAsync(send.Id, 0, None)).Select(d => d.Email));
        Assert.Equal(["user4@example.com", "user5@example.com"], (await _log.GetBatchAsync(send.Id, 1, None)).Select(d => d.Email));
    }

    [Fact]
    public async Task CreateSendAsync_RecordsEveryRecipient_WhenListHas200kSubscribers()
    {
        var send = await _log.CreateSendAsync(1, NumberedList("huge", 200_000), 500, null, None);

        Assert.Equal((200_000, 400), (send.RecipientCount, send.BatchCount));
        Assert.Equal(500, (await _log.GetBatchAsync(send.Id, 399, None)).Count);
    }

    [Fact]
    public async Task TryClaimAsync_ClaimsEachDeliveryExactlyOnce_WhenManyWorkersRaceForTheSameRows()
    {
        const int workers = 8;
        var send = await _log.CreateSendAsync(1, NumberedList("weekly", 300), 300, null, None);
        var ids = (await _log.GetBatchAsync(send.Id, 0, None)).Select(d => d.Id).ToList();
        using var start = new Barrier(workers);

        // Each worker has its own database object and connections, as separate Hangfire workers or processes would,
        // and walks the same rows in its own order.
        var claims = await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Factory.StartNew(() =>
        {
            var log = new TestDeliveryLog(Store.OpenAgain());
            var order = ids.OrderBy(_ => Random.Shared.Next()).ToList();
            var won = new List<long>();
            start.SignalAndWait();
            foreach (var id in order)
            {
                if (log.TryClaimAsync(id, $"worker-{w}", None).GetAwaiter().GetResult() == ClaimResult.Claimed)
                {
                    won.Add(id);
                }
            }

            return won;
        }, TaskCreationOptions.LongRunning)));

        var allWins = claims.SelectMany(c => c).ToList();
        Assert.Equal(ids.Order(), allWins.Order());
        var batch = await _log.GetBatchAsync(send.Id, 0, None);
        Assert.All(batch, d => Assert.Equal((DeliveryState.Sending, 1), (d.State, d.Attempts)));
    }

    [Fact]
    public async Task TryClaimAsync_ReturnsNotAvailable_WhenDeliveryIsAlreadySent()
    {
        var send = await _log.CreateSendAsync(1, List("weekly", "a@x.test"), 10, null, None);
        var id = (await _log.GetBatchAsync(send.Id, 0, None))[0].Id;
        await _log.TryClaimAsync(id, "w1", None);
        await _log.RecordSentAsync(id, "250 OK", null, None);

        Assert.Equal(ClaimResult.NotAvailable, await _log.TryClaimAsync(id, "w2", None));
    }

    [Fact]
    public async Task ReleaseAsync_MakesDeliveryClaimableAgain_WhenItWasClaimed()
    {
        var send = await _log.CreateSendAsync(1, List("weekly", "a@x.test"), 10, null, None);
        var id = (await _log.GetBatchAsync(send.Id, 0, None))[0].Id;
        await _log.TryClaimAsync(id, "w1", None);

        await _log.ReleaseAsync(id, "connection refused before DATA", None);

        Assert.Equal(ClaimResult.Claimed, await _log.TryClaimAsync(id, "w2", None));
        var delivery = (await _log.GetBatchAsync(send.Id, 0, None))[0];
        Assert.Equal((DeliveryState.Sending, 2, "connection refused before DATA"), (delivery.State, delivery.Attempts, delivery.Detail));
    }

    [Fact]
    public async Task RecordSentAsync_StoresServerReply_WhenDeliveryWasClaimed()
    {
        var send = await _log.CreateSendAsync(1, List("weekly", "a@x.test"), 10, null, None);
        var id = (await _log.GetBatchAsync(send.Id, 0, None))[0].Id;
        await _log.TryClaimAsync(id, "w1", None);

        await _log.RecordSentAsync(id, "250 2.0.0 Ok: queued as ABC", null, None);

        var delivery = (await _log.GetBatchAsync(send.Id, 0, None))[0];
        Assert.Equal((DeliveryState.Sent, "250 2.0.0 Ok: queued as ABC"), (delivery.State, delivery.Detail));
        Assert.NotNull(delivery.UpdatedAt);
    }

    [Fact]
    public async Task RecordSentAsync_Throws_WhenDeliveryAlreadyFailed()
    {
        var send = await _log.CreateSendAsync(1, List("weekly", "a@x.test"), 10, null, None);
        var id = (await _log.GetBatchAsync(send.Id, 0, None))[0].Id;
        await _log.RecordFailedAsync(id, "550 no such user", None);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => _log.RecordSentAsync(id, "250 OK", null, None));

        Assert.Contains("it is failed", error.Message);
    }

    [Fact]
    public async Task ListFailedAsync_ReturnsFailedDeliveriesWithReasons_WhenSomeFailed()
    {
        var send = await _log.CreateSendAsync(1, List("weekly", "a@x.test", "b@x.test", "c@x.test"), 10, null, None);
        var batch = await _log.GetBatchAsync(send.Id, 0, None);
        await _log.TryClaimAsync(batch[1].Id, "w1", None);
        await _log.RecordFailedAsync(batch[1].Id, "550 5.1.1 mailbox unavailable", None);
        await _log.TryClaimAsync(batch[0].Id, "w1", None);
        await _log.RecordSentAsync(batch[0].Id, "250 OK", null, None);

        var failed = Assert.Single(await _log.ListFailedAsync(1, None));

        Assert.Equal(("b@x.test", "550 5.1.1 mailbox unavailable"), (failed.Email, failed.Detail));
        Assert.Equal(new DeliveryCounts(1, 0, 1, 1), await _log.CountAsync(1, send.Id, None));
    }

    [Fact]
    public async Task CountAsync_CountsEverySendOfTheIssue_WhenSendIdIsNull()
    {
        var first = await _log.CreateSendAsync(1, List("weekly", "a@x.test", "b@x.test"), 10, null, None);
        await _log.CreateSendAsync(1, List("friends", "c@x.test"), 10, null, None);
        await _log.CreateSendAsync(2, List("weekly", "a@x.test"), 10, null, None);

        Assert.Equal(3, (await _log.CountAsync(1, null, None)).Pending);
        Assert.Equal(2, (await _log.CountAsync(1, first.Id, None)).Pending);
    }

    [Fact]
    public async Task ListUnfinishedSendProgressAsync_CountsEachOpenSendByState_AndLeavesOutFinishedAndCancelledSends()
    {
        var running = await _log.CreateSendAsync(1, List("weekly", "a@x.test", "b@x.test", "c@x.test", "d@x.test"), 10, null, None);
        await _log.MarkSendStartedAsync(running.Id, None);
        var batch = await _log.GetBatchAsync(running.Id, 0, None);
        await _log.TryClaimAsync(batch[0].Id, "w1", None);
        await _log.RecordSentAsync(batch[0].Id, "250 OK", null, None);
        await _log.TryClaimAsync(batch[1].Id, "w1", None);
        await _log.RecordFailedAsync(batch[1].Id, "550 no", None);
        await _log.TryClaimAsync(batch[2].Id, "w1", None);
        var paused = await _log.CreateSendAsync(1, List("friends", "e@x.test"), 10, null, None);
        await _log.PauseSendAsync(paused.Id, "operator", None);
        var finished = await _log.CreateSendAsync(2, List("weekly", "a@x.test"), 10, null, None);
        await _log.RecordSentAsync((await _log.GetBatchAsync(finished.Id, 0, None))[0].Id, "250 OK", null, None);
        await _log.TryMarkSendFinishedAsync(finished.Id, None);
        var cancelled = await _log.CreateSendAsync(2, List("friends", "e@x.test"), 10, null, None);
        await _log.CancelSendAsync(cancelled.Id, None);

        var progress = await _log.ListUnfinishedSendProgressAsync(None);

        Assert.Equal(
            [
                (running.Id, 1, "weekly", SendState.Running, new DeliveryCounts(Pending: 1, Sending: 1, Sent: 1, Failed: 1)),
                (paused.Id, 1, "friends", SendState.Paused, new DeliveryCounts(Pending: 1, Sending: 0, Sent: 0, Failed: 0)),
            ],
            progress.Select(p => (p.Send.Id, p.Send.IssueNumber, p.Send.ListName, p.Send.State, p.Counts)));
    }

    [Fact]
    public async Task ListUnfinishedSendProgressAsync_ReportsZeroCounts_WhenASendHasNoDeliveries()
    {
        var empty = await _log.CreateSendAsync(1, List("nobody"), 10, null, None);

        var progress = Assert.Single(await _log.ListUnfinishedSendProgressAsync(None));

        Assert.Equal(new SendProgress(empty, DeliveryCounts.None), progress);
    }

    [Fact]
    public async Task GetSendProgressAsync_GivesEachAskedSendAsStoredNow_WithItsCountsByState_InIdOrder()
    {
        var weekly = await _log.CreateSendAsync(1, List("weekly", "a@x.test", "b@x.test", "c@x.test"), 10, null, None);
        var batch = await _log.GetBatchAsync(weekly.Id, 0, None);
        await _log.TryClaimAsync(batch[0].Id, "w1", None);
        await _log.RecordSentAsync(batch[0].Id, "250 OK", null, None);
        await _log.TryClaimAsync(batch[1].Id, "w1", None);
        await _log.RecordFailedAsync(batch[1].Id, "550 no", None);
        var friends = await _log.CreateSendAsync(1, List("friends", "e@x.test"), 10, null, None);
        await _log.PauseSendAsync(friends.Id, "paused by an operator.", None);
        var other = await _log.CreateSendAsync(2, List("weekly", "a@x.test"), 10, null, None);

        var progress = await _log.GetSendProgressAsync([friends.Id, weekly.Id, friends.Id + other.Id + 1000], None);

        Assert.Equal(
            [
                (weekly.Id, SendState.Scheduled, (string?)null, new DeliveryCounts(Pending: 1, Sending: 0, Sent: 1, Failed: 1)),
                (friends.Id, SendState.Paused, "paused by an operator.", new DeliveryCounts(Pending: 1, Sending: 0, Sent: 0, Failed: 0)),
            ],
            progress.Select(p => (p.Send.Id, p.Send.State, p.Send.PauseReason, p.Counts)));
        Assert.Equal(await _log.GetSendAsync(weekly.Id, None), progress[0].Send);
    }

    [Fact]
    public async Task GetSendProgressAsync_GivesTheEarliestRetryOfADeferredDelivery_AndNoneWhenNothingIsDeferred()
    {
        var deferred = await _log.CreateSendAsync(1, List("weekly", "a@x.test", "b@x.test", "c@x.test"), 10, null, None);
        var batch = await _log.GetBatchAsync(deferred.Id, 0, None);
        var soon = new DateTimeOffset(2026, 4, 6, 9, 0, 0, TimeSpan.Zero);
        foreach (var (delivery, at) in new[] { (batch[0], soon.AddHours(1)), (batch[1], soon) })
        {
            await _log.TryClaimAsync(delivery.Id, "w1", None);
            await _log.RecordDeferredAsync(delivery.Id, "451 try later", at, uncertain: false, None);
        }
        var plain = await _log.CreateSendAsync(1, List("friends", "e@x.test"), 10, null, None);

        var progress = await _log.GetSendProgressAsync([deferred.Id, plain.Id], None);

        Assert.Equal([(deferred.Id, (DateTimeOffset?)soon, 2), (plain.Id, null, 0)], progress.Select(p => (p.Send.Id, p.NextAttemptAt, p.Counts.Deferred)));
    }

    [Fact]
    public async Task GetSendProgressAsync_ReportsZeroCounts_WhenASendHasNoDeliveries()
    {
        var empty = await _log.CreateSendAsync(1, List("nobody"), 10, null, None);

        var progress = Assert.Single(await _log.GetSendProgressAsync([empty.Id], None));

        Assert.Equal(new SendProgress(empty, DeliveryCounts.None), progress);
    }

    [Fact]
    public async Task GetSendProgressAsync_ReturnsNothing_WhenAskedForNoSends()
    {
        await _log.CreateSendAsync(1, List("weekly", "a@x.test"), 10, null, None);

        Assert.Empty(await _log.GetSendProgressAsync([], None));
    }

    [Fact]
    public async Task MarkSendStartedAsync_KeepsFirstStartTime_WhenCalledTwice()
    {
        var send = await _log.CreateSendAsync(1, List("weekly", "a@x.test"), 10, null, None);
        await _log.MarkSendStartedAsync(send.Id, None);
        var started = await _log.GetSendAsync(send.Id, None);

        await Task.Delay(20);
        await _log.MarkSendStartedAsync(send.Id, None);

        var again = await _log.GetSendAsync(send.Id, None);
        Assert.Equal(SendState.Running, again?.State);
        Assert.NotNull(started?.StartedAt);
        Assert.Equal(started.StartedAt, again?.StartedAt);
    }

    [Fact]
    public async Task TryMarkSendFinishedAsync_ReturnsFalse_WhenADeliveryIsPendingOrSending()
    {
        var send = await _log.CreateSendAsync(1, List("weekly", "a@x.test", "b@x.test"), 10, null, None);
        var batch = await _log.GetBatchAsync(send.Id, 0, None);
        await _log.MarkSendStartedAsync(send.Id, None);
        await _log.TryClaimAsync(batch[0].Id, "w1", None);
        await _log.RecordSentAsync(batch[0].Id, "250 OK", null, None);
        await _log.TryClaimAsync(batch[1].Id, "w1", None);

        Assert.False(await _log.TryMarkSendFinishedAsync(send.Id, None));
        Assert.Equal(SendState.Running, (await _log.GetSendAsync(send.Id, None))?.State);
    }

    [Fact]
    public async Task TryMarkSendFinishedAsync_MarksFinished_WhenEveryDeliveryIsSentOrFailed()
    {
        var send = await _log.CreateSendAsync(1, List("weekly", "a@x.test", "b@x.test"), 10, null, None);
        var batch = await _log.GetBatchAsync(send.Id, 0, None);
        await _log.MarkSendStartedAsync(send.Id, None);
        await _log.RecordSentAsync(batch[0].Id, "250 OK", null, None);
        await _log.RecordFailedAsync(batch[1].Id, "550 no", None);

        Assert.True(await _log.TryMarkSendFinishedAsync(send.Id, None));
        var finished = await _log.GetSendAsync(send.Id, None);
        Assert.Equal(SendState.Finished, finished?.State);
        Assert.NotNull(finished?.FinishedAt);
    }

    [Fact]
    public async Task FindSendAsync_ReturnsSend_WhenIssueAndListMatch()
    {
        var send = await _log.CreateSendAsync(1, List("weekly", "a@x.test"), 10, null, None);

        Assert.Equal(send, await _log.FindSendAsync(1, "weekly", None));
        Assert.Null(await _log.FindSendAsync(1, "other", None));
        Assert.Equal([send], await _log.ListSendsAsync(1, None));
    }
}

public sealed class SqliteDeliveryLogTests() : DeliveryLogContract(new SqliteTestStore());

public sealed class PostgreSqlDeliveryLogTests(PostgreSqlDatabaseFixture database)
    : DeliveryLogContract(new PostgreSqlTestStore(database)), IClassFixture<PostgreSqlDatabaseFixture>;
