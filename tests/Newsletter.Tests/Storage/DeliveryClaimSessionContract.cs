using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;
using Newsletter.Storage;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Storage;

/// <summary>
/// A sending loop's claim session (one held connection, one commit per message): it keeps every property of the one-call
/// claims — each delivery claimed once, stops and suppressions seen at every claim, crash recovery — and at most the message
/// on the wire is left unrecorded by a crash.
/// </summary>
public abstract class DeliveryClaimSessionContract : StoreContract
{
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 4, 6, 7, 0, 0, TimeSpan.Zero));
    private readonly TestDeliveryLog _log;

    protected DeliveryClaimSessionContract(TestStore store) : base(store) => _log = new TestDeliveryLog(Database, _clock);

    private async Task<(Send Send, IReadOnlyList<long> Ids)> SendToAsync(int subscribers)
    {
        var list = new MailingList("weekly", "Weekly", Enumerable.Range(0, subscribers).Select(i => new Subscriber($"user{i}@x.test", null)).ToList());
        var send = await _log.CreateSendAsync(1, list, subscribers, null, None);
        return (send, (await _log.GetBatchAsync(send.Id, 0, None)).Select(d => d.Id).ToList());
    }

    /// <summary>The delivery's state as another process reads it, on a connection of its own.</summary>
    private async Task<DeliveryState> StateOfAsync(Send send, long id) =>
        (await new TestDeliveryLog(Store.OpenAgain()).GetBatchAsync(send.Id, 0, None)).Single(d => d.Id == id).State;

    [Fact]
    public async Task Session_WritesTheSentOutcome_WithTheNextClaim()
    {
        var (send, ids) = await SendToAsync(2);
        await using var session = await _log.OpenSessionAsync("w1", None);

        Assert.Equal(ClaimResult.Claimed, await session.TryClaimAsync(ids[0], None));
        await session.RecordSentAsync(ids[0], "250 ok", "<m0@x.test>", None);
        var heldState = await StateOfAsync(send, ids[0]);
        Assert.Equal(ClaimResult.Claimed, await session.TryClaimAsync(ids[1], None));

        Assert.Equal(DeliveryState.Sending, heldState);
        Assert.Equal(DeliveryState.Sent, await StateOfAsync(send, ids[0]));
        Assert.Equal(DeliveryState.Sending, await StateOfAsync(send, ids[1]));
        Assert.Equal(ids[0], (await _log.FindByMessageIdAsync("m0@x.test", None))?.Id);
    }

    [Fact]
    public async Task Session_WritesTheHeldSentOutcome_WhenDisposed()
    {
        var (send, ids) = await SendToAsync(1);
        await using (var session = await _log.OpenSessionAsync("w1", None))
        {
            await session.TryClaimAsync(ids[0], None);
            await session.RecordSentAsync(ids[0], "250 ok", null, None);
        }

        Assert.Equal(DeliveryState.Sent, await StateOfAsync(send, ids[0]));
        Assert.True((await _log.CountAsync(1, send.Id, None)).IsComplete);
    }

    [Fact]
    public async Task Session_WritesTheHeldSentOutcome_WhenFlushed()
    {
        var (send, ids) = await SendToAsync(1);
        await using var session = await _log.OpenSessionAsync("w1", None);
        await session.TryClaimAsync(ids[0], None);
        await session.RecordSentAsync(ids[0], "250 ok", null, None);

        await session.FlushAsync(None);

        Assert.Equal(DeliveryState.Sent, await StateOfAsync(send, ids[0]));
    }

    [Fact]
    public async Task Session_WritesFailuresDeferralsAndReleasesAtOnce_AfterTheHeldSentOutcome()
    {
        var (send, ids) = await SendToAsync(4);
        await using var session = await _log.OpenSessionAsync("w1", None);
        await session.TryClaimAsync(ids[0], None);
        await session.RecordSentAsync(ids[0], "250 ok", null, None);
        await session.TryClaimAsync(ids[1], None);
        await session.RecordFailedAsync(ids[1], "550 no such user", None);
        await session.TryClaimAsync(ids[2], None);
        await session.RecordDeferredAsync(ids[2], "451 later", _clock.Now.AddMinutes(5), uncertain: false, None);
        await session.TryClaimAsync(ids[3], None);
        await session.ReleaseAsync(ids[3], "stopping", None);

        Assert.Equal([DeliveryState.Sent, DeliveryState.Failed, DeliveryState.Deferred, DeliveryState.Pending],
            await Task.WhenAll(ids.Select(id => StateOfAsync(send, id))));
    }

    [Fact]
    public async Task Session_ReturnsSendStopped_WhenTheSendIsPausedBetweenTwoClaims()
    {
        var (send, ids) = await SendToAsync(2);
        await using var session = await _log.OpenSessionAsync("w1", None);
        await session.TryClaimAsync(ids[0], None);
        await session.RecordSentAsync(ids[0], "250 ok", null, None);

        await new TestDeliveryLog(Store.OpenAgain()).PauseSendAsync(send.Id, "operator", None);

        Assert.Equal(ClaimResult.SendStopped, await session.TryClaimAsync(ids[1], None));
        Assert.Equal((DeliveryState.Sent, DeliveryState.Pending), (await StateOfAsync(send, ids[0]), await StateOfAsync(send, ids[1])));
    }

    [Fact]
    public async Task Session_ReturnsSuppressed_WhenTheAddressWasSuppressedAfterTheSendWasCreated()
    {
        var (send, ids) = await SendToAsync(2);
        await new SuppressionList(Store.OpenAgain()).AddAsync("user1@x.test", "weekly", SuppressionReason.Unsubscribed, null, None);
        await using var session = await _log.OpenSessionAsync("w1", None);
        await session.TryClaimAsync(ids[0], None);
        await session.RecordSentAsync(ids[0], "250 ok", null, None);

        Assert.Equal(ClaimResult.Suppressed, await session.TryClaimAsync(ids[1], None));
        Assert.Equal((DeliveryState.Sent, DeliveryState.Suppressed), (await StateOfAsync(send, ids[0]), await StateOfAsync(send, ids[1])));
    }

    [Fact]
    public async Task Sessions_ClaimEachDeliveryExactlyOnce_WhenWorkersOnSeparateConnectionsRaceForTheSameRows()
    {
        const int workers = 6;
        var (send, ids) = await SendToAsync(240);
        using var start = new Barrier(workers);

        // Each worker has its own database object (as another process would) and walks the rows in its own order,
        // recording each message it wins as sent, so claims and held outcomes interleave across sessions.
        var wins = await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Factory.StartNew(() =>
        {
            var other = new TestDeliveryLog(Store.OpenAgain(), _clock);
            var session = other.OpenSessionAsync($"worker-{w}", None).GetAwaiter().GetResult();
            var won = new List<long>();
            start.SignalAndWait();
            foreach (var id in ids.OrderBy(_ => Random.Shared.Next()))
            {
                if (session.TryClaimAsync(id, None).GetAwaiter().GetResult() == ClaimResult.Claimed)
                {
                    won.Add(id);
                    session.RecordSentAsync(id, "250 ok", null, None).GetAwaiter().GetResult();
                }
            }
            session.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return won;
        }, TaskCreationOptions.LongRunning)));

        Assert.Equal(ids.Order(), wins.SelectMany(w => w).Order());
        var counts = await _log.CountAsync(1, send.Id, None);
        Assert.Equal((240, 0, 0), (counts.Sent, counts.Sending, counts.Pending));
    }

    [Fact]
    public async Task RecoverAbandonedClaims_ReturnsOnlyTheMessageOnTheWire_WhenASessionsWorkerDiesWithAnOutcomeHeld()
    {
        var (send, ids) = await SendToAsync(3);
        await _log.HeartbeatAsync("dies", None);
        // The dying worker sent ids[0] and ids[1]; ids[1]'s "sent" is held when the process is killed, so only the claim of
        // the next message would have written it.
        var dying = await _log.OpenSessionAsync("dies", None);
        await dying.TryClaimAsync(ids[0], None);
        await dying.RecordSentAsync(ids[0], "250 ok", null, None);
        await dying.TryClaimAsync(ids[1], None);
        await dying.RecordSentAsync(ids[1], "250 ok", null, None);

        _clock.Advance(TimeSpan.FromSeconds(30));
        await _log.HeartbeatAsync("alive", None);
        var recovered = await new TestDeliveryLog(Store.OpenAgain(), _clock).RecoverAbandonedClaimsAsync(TimeSpan.FromSeconds(20), None);

        // One message may be sent twice: the one whose reply the dead worker held, reported as uncertain. Nothing else.
        Assert.Equal([send.Id], recovered);
        var counts = await _log.CountAsync(1, send.Id, None);
        Assert.Equal((1, 2, 0, 1), (counts.Sent, counts.Pending, counts.Sending, counts.Uncertain));
        Assert.Equal(DeliveryState.Pending, await StateOfAsync(send, ids[1]));
        // The killed process never disposes its session; here it must, and its late write of the held outcome is harmless.
        await dying.DisposeAsync();
    }

    [Fact]
    public async Task Session_ThrowsAndLeavesTheNextDeliveryUnclaimed_WhenTheHeldDeliveryWasSettledElsewhere()
    {
        var (send, ids) = await SendToAsync(2);
        await _log.HeartbeatAsync("slow", None);
        var session = await _log.OpenSessionAsync("slow", None);
        await session.TryClaimAsync(ids[0], None);
        await session.RecordSentAsync(ids[0], "250 ok", null, None);
        // The worker stalled past the timeout: another process recovered its claim, sent it again and had it refused.
        _clock.Advance(TimeSpan.FromSeconds(30));
        var other = new TestDeliveryLog(Store.OpenAgain(), _clock);
        await other.HeartbeatAsync("alive", None);
        await other.RecoverAbandonedClaimsAsync(TimeSpan.FromSeconds(20), None);
        await other.TryClaimAsync(ids[0], "alive", None);
        await other.RecordFailedAsync(ids[0], "550 no such user", None);

        await Assert.ThrowsAsync<InvalidOperationException>(() => session.TryClaimAsync(ids[1], None));
        Assert.Equal((DeliveryState.Failed, DeliveryState.Pending), (await StateOfAsync(send, ids[0]), await StateOfAsync(send, ids[1])));
        await session.DisposeAsync();
    }
}

public sealed class SqliteDeliveryClaimSessionTests() : DeliveryClaimSessionContract(new SqliteTestStore());

public sealed class PostgreSqlDeliveryClaimSessionTests(PostgreSqlDatabaseFixture database)
    : DeliveryClaimSessionContract(new PostgreSqlTestStore(database)), IClassFixture<PostgreSqlDatabaseFixture>;
