using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Newsletter.Core;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Messages;
using Newsletter.Delivery.Sending;
using Newsletter.Delivery.Transports;
using Newsletter.Rendering;
using Newsletter.Storage;
using Newsletter.Tests.Delivery;
using Newsletter.Tests.Storage;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Sending;

/// <summary>
/// The send engine's rules, one outcome per test, without Hangfire: <see cref="BatchSender"/> run directly against a real SMTP
/// server on 127.0.0.1 (scripted through <see cref="FaultySmtpServer"/>) and a real SQLite delivery log in a temp folder.
/// </summary>
public sealed class BatchSenderTests : IAsyncLifetime
{
    private const int TestTimeout = 60_000;
    private static readonly ListIdentity List = new("readers", "Weekly readers");
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly TempDatabase _database = new();
    private readonly FaultySmtpServer _smtp = new();
    private readonly RecordedMetrics _metrics = new();
    private readonly List<MailConnectionPool> _pools = [];
    private readonly SendingOptions _sending = new()
    {
        Connections = 1,
        // Retries an hour away: a deferral ends the run with RunAgainAt instead of a wait inside it.
        RetryDelaysSeconds = [3600],
        ThrottlePauseSeconds = 0.01,
    };
    private TimeProvider _clock = TimeProvider.System;
    private TestDeliveryLog _log = null!;
    private EncodedIssueBody _body = DeliveryTestData.Content();
    private Func<EncodedIssueBody>? _bodySource;

    public async Task InitializeAsync()
    {
        await _smtp.StartAsync();
        _log = new TestDeliveryLog(_database.Database, _clock);
    }

    public async Task DisposeAsync()
    {
        foreach (var pool in _pools)
        {
            await pool.DisposeAsync();
        }
        await _smtp.DisposeAsync();
        _metrics.Dispose();
        _database.Dispose();
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Sent_RecordsTheServersReplyAndFinishesTheSend_WhenTheServerAcceptsEveryMessage()
    {
        var send = await SendToAsync("ada@example.com", "bob@example.com");

        var outcome = await RunAsync(send);

        Assert.Equal((2, 0, 0), (outcome.Sent, outcome.Failed, outcome.Deferred));
        Assert.All(await BatchAsync(send), d => Assert.Equal(DeliveryState.Sent, d.State));
        Assert.All(await BatchAsync(send), d => Assert.Equal("Ok", d.Detail)); // the test server's 250 reply text
        Assert.Equal(["ada@example.com", "bob@example.com"], _smtp.Received.SelectMany(m => m.EnvelopeTo).Order());
        Assert.Equal(SendState.Finished, (await _log.GetSendAsync(send.Id, None))!.State);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task RecipientRefused_FailsThatDeliveryAndSuppressesTheAddress_AndTheConnectionGoesOn()
    {
        _smtp.RefuseRecipient("gone@example.com");
        var send = await SendToAsync("gone@example.com", "next@example.com");

        await RunAsync(send);

        var gone = await DeliveryToAsync(send, "gone@example.com");
        Assert.Equal(DeliveryState.Failed, gone.State);
        Assert.Contains("550", gone.Detail);
        var suppression = Assert.Single(await Suppressions().ListAsync(None));
        Assert.Equal(("gone@example.com", SuppressionReason.Refused), (suppression.Email, suppression.Reason));
        Assert.Equal(DeliveryState.Sent, (await DeliveryToAsync(send, "next@example.com")).State);
        Assert.Equal(1, _smtp.ConnectionsAccepted);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task MessageRefused_FailsThatDeliveryWithoutSuppressingTheAddress_WhenTheServerRefusesTheContent()
    {
        _smtp.Script(SmtpFaultCommands.Data, "big@example.com", ScriptedReply.With("552 5.3.4 Message too big for system"));
        var send = await SendToAsync("big@example.com", "next@example.com");

        await RunAsync(send);

        var big = await DeliveryToAsync(send, "big@example.com");
        Assert.Equal(DeliveryState.Failed, big.State);
        Assert.Contains("552 5.3.4", big.Detail);
        Assert.Empty(await Suppressions().ListAsync(None));
        Assert.Equal(DeliveryState.Sent, (await DeliveryToAsync(send, "next@example.com")).State);
        Assert.Equal(1, _smtp.ConnectionsAccepted);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task MessageDeferred_DefersOnlyThatRecipientAndSendsTheNextOnTheSameConnection_WhenOneRcptGetsA4xx()
    {
        _smtp.Script(SmtpFaultCommands.Rcpt, "busy@example.com", ScriptedReply.With("452 4.2.2 Mailbox full, try later"));
        var send = await SendToAsync("busy@example.com", "next@example.com");

        var outcome = await RunAsync(send);

        var busy = await DeliveryToAsync(send, "busy@example.com");
        Assert.Equal(DeliveryState.Deferred, busy.State);
        Assert.Contains("452 4.2.2", busy.Detail);
        Assert.NotNull(busy.NextAttemptAt);
        Assert.Equal(busy.NextAttemptAt, outcome.RunAgainAt);
        Assert.Equal(0, (await CountsAsync(send)).Uncertain);
        Assert.Equal(DeliveryState.Sent, (await DeliveryToAsync(send, "next@example.com")).State);
        // One connection from first to last: the 4xx stayed with its recipient.
        Assert.Equal(1, _smtp.ConnectionsAccepted);
        Assert.Equal(1, _smtp.ServerSessions);
        Assert.Equal(1, _metrics.Sum("newsletter.messages.deferred", ("reason", "reply_4xx")));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Throttled_DefersThatDeliveryAndGoesOnOverANewConnection_WhenRcptGets421()
    {
        _smtp.Script(SmtpFaultCommands.Rcpt, "first@example.com", ScriptedReply.With("421 4.7.0 Too many messages, slow down"));
        var send = await SendToAsync("first@example.com", "second@example.com");

        await RunAsync(send);

        Assert.Equal(DeliveryState.Deferred, (await DeliveryToAsync(send, "first@example.com")).State);
        Assert.Equal(DeliveryState.Sent, (await DeliveryToAsync(send, "second@example.com")).State);
        Assert.Equal(2, _smtp.ConnectionsAccepted);
        Assert.Equal(1, _metrics.Sum("newsletter.messages.deferred", ("reason", "throttled")));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task SenderRefused_PausesTheSendWithTheServersReplyAndLeavesEveryDeliveryPending_WhenMailFromGets5xx()
    {
        _smtp.Script(SmtpFaultCommands.Mail, "", ScriptedReply.With("553 5.7.1 Sender address rejected: not owned by user"));
        var send = await SendToAsync("ada@example.com", "bob@example.com");

        var outcome = await RunAsync(send);

        var paused = (await _log.GetSendAsync(send.Id, None))!;
        Assert.Equal(SendState.Paused, paused.State);
        Assert.Contains("refused us, not a subscriber", paused.PauseReason);
        Assert.Contains("553 5.7.1", paused.PauseReason);
        Assert.True(outcome.Stopped);
        Assert.All(await BatchAsync(send), d => Assert.Equal(DeliveryState.Pending, d.State));
        Assert.Empty(_smtp.Received);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task SessionRefused_PausesTheSendNamingTheSetting_WhenTheServerRefusesTheLogin()
    {
        await using var server = new TestSmtpServer { Logins = (_, _) => false };
        await server.StartAsync();
        var send = await SendToAsync("ada@example.com");

        await RunAsync(send, Smtp(server.Port, user: "newsletter", password: "not-the-password"));

        var paused = (await _log.GetSendAsync(send.Id, None))!;
        Assert.Equal(SendState.Paused, paused.State);
        Assert.Contains("refused the login 'newsletter'", paused.PauseReason);
        Assert.Contains("Newsletter__Delivery__Smtp__Password", paused.PauseReason);
        Assert.DoesNotContain("not-the-password", paused.PauseReason);
        Assert.Equal(DeliveryState.Pending, (await DeliveryToAsync(send, "ada@example.com")).State);
        Assert.Empty(server.Received);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task DroppedInData_DefersWithoutUncertainty_WhenTheConnectionIsCutBeforeTheContentIsAllOut()
    {
        // Far more than the loopback socket buffers hold, so the cut is met while the content is still being written.
        _body = DeliveryTestData.Content(text: new string('x', 32 * 1024 * 1024));
        _smtp.Script(SmtpFaultCommands.Data, "drop@example.com", new ScriptedReply { DropAfterDataBytes = 1024 });
        var send = await SendToAsync("drop@example.com");

        await RunAsync(send);

        Assert.Equal(DeliveryState.Deferred, (await DeliveryToAsync(send, "drop@example.com")).State);
        Assert.Equal(0, (await CountsAsync(send)).Uncertain);
        Assert.Empty(_smtp.Received);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ReplyLost_DefersAsUncertain_WhenTheConnectionIsCutAfterTheServerTookTheMessage()
    {
        _smtp.Script(SmtpFaultCommands.Data, "lost@example.com", new ScriptedReply { LoseReply = true });
        var send = await SendToAsync("lost@example.com");

        await RunAsync(send);

        var lost = await DeliveryToAsync(send, "lost@example.com");
        Assert.Equal(DeliveryState.Deferred, lost.State);
        Assert.Equal(1, (await CountsAsync(send)).Uncertain);
        Assert.Single(_smtp.Received);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Cancellation_DefersAsUncertain_WhenTheRunIsStoppedWhileTheServersFinalReplyIsOnItsWay()
    {
        _smtp.Script(SmtpFaultCommands.Data, "slow@example.com", new ScriptedReply { HoldReply = true });
        var send = await SendToAsync("slow@example.com");
        using var stop = new CancellationTokenSource();

        var running = RunAsync(send, cancellationToken: stop.Token);
        await _smtp.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30));
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        var slow = await DeliveryToAsync(send, "slow@example.com");
        Assert.Equal(DeliveryState.Deferred, slow.State);
        var counts = await CountsAsync(send);
        Assert.Equal((0, 0, 1), (counts.Sent, counts.Failed, counts.Uncertain));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Cancellation_ReturnsTheDeliveryToPending_WhenTheRunIsStoppedBeforeTheMessageIsHandedOver()
    {
        _smtp.Faults = new SmtpFaults { ReplyDelay = TimeSpan.FromMinutes(5) };
        var send = await SendToAsync("ada@example.com");
        using var stop = new CancellationTokenSource();

        var running = RunAsync(send, cancellationToken: stop.Token);
        await WaitUntilAsync(() => _smtp.ConnectionsAccepted == 1);
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.Equal(DeliveryState.Pending, (await DeliveryToAsync(send, "ada@example.com")).State);
        Assert.Equal(0, (await CountsAsync(send)).Uncertain);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task RetryWindow_FailsTheDelivery_WhenItIsStillDeferredOnceTheWindowIsOver()
    {
        var manual = new ManualClock(new DateTimeOffset(2026, 4, 6, 7, 0, 0, TimeSpan.Zero));
        UseClock(manual);
        _smtp.Script(SmtpFaultCommands.Rcpt, "busy@example.com", ScriptedReply.With("451 4.3.0 Try again later"), times: 2);
        var send = await SendToAsync("busy@example.com");

        await RunAsync(send);
        Assert.Equal(DeliveryState.Deferred, (await DeliveryToAsync(send, "busy@example.com")).State);
        manual.Advance(_sending.RetryWindow + TimeSpan.FromMinutes(1));
        await RunAsync(send);

        var busy = await DeliveryToAsync(send, "busy@example.com");
        Assert.Equal(DeliveryState.Failed, busy.State);
        Assert.StartsWith("gave up after 24 h of retries", busy.Detail);
        Assert.Equal(1, _metrics.Sum("newsletter.messages.failed", ("reason", "retries_exhausted")));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ErrorBudget_PausesTheSendAndLeavesTheRestPending_WhenPermanentFailuresExceedIt()
    {
        _sending.ErrorBudget = 0.2;
        _sending.ErrorBudgetMinimumAttempts = 5;
        var addresses = Enumerable.Range(0, 10).Select(i => $"dead{i}@example.com").ToArray();
        foreach (var address in addresses) _smtp.RefuseRecipient(address);
        var send = await SendToAsync(addresses);

        var outcome = await RunAsync(send);

        var paused = (await _log.GetSendAsync(send.Id, None))!;
        Assert.Equal(SendState.Paused, paused.State);
        Assert.Contains("5 of 5 messages failed permanently", paused.PauseReason);
        Assert.Contains("error budget", paused.PauseReason);
        Assert.True(outcome.Stopped);
        Assert.Equal((0, 5, 5), CountsOf(await CountsAsync(send)));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Unbuildable_FailsThatDeliveryAndSendsTheRest_WhenTheMessageCannotBeBuiltForASubscriber()
    {
        var send = await SendToAsync("no at sign", "next@example.com");

        await RunAsync(send);

        var broken = await DeliveryToAsync(send, "no at sign");
        Assert.Equal(DeliveryState.Failed, broken.State);
        Assert.StartsWith("could not build the message", broken.Detail);
        Assert.Equal(DeliveryState.Sent, (await DeliveryToAsync(send, "next@example.com")).State);
        Assert.Equal(1, _metrics.Sum("newsletter.messages.failed", ("reason", "unbuildable")));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task UnrenderableIssue_PausesTheSendWithTheTemplatesError_WhenTheBodyCannotBeRendered()
    {
        _bodySource = () => throw new TemplateException("issue.cshtml line 3: 'Model.Storeis' does not exist.", "issue.cshtml", 3);
        var send = await SendToAsync("ada@example.com");

        await RunAsync(send);

        var paused = (await _log.GetSendAsync(send.Id, None))!;
        Assert.Equal(SendState.Paused, paused.State);
        Assert.Contains("could not be rendered", paused.PauseReason);
        Assert.Contains("Model.Storeis", paused.PauseReason);
        Assert.Equal(0, _smtp.ConnectionsAccepted);
    }

    // ---- the rig ----

    private async Task<Send> SendToAsync(params string[] emails) =>
        await _log.CreateSendAsync(1, new MailingList(List.Name, List.DisplayName, emails.Select(e => new Subscriber(e, null)).ToList()), 100, null, None);

    private Task<BatchOutcome> RunAsync(Send send, DeliveryOptions? delivery = null, CancellationToken cancellationToken = default) =>
        Engine(delivery ?? Smtp(_smtp.Port)).SendAsync(send, List, 0, "test-worker", cancellationToken);

    private BatchSender Engine(DeliveryOptions delivery)
    {
        var deliveryOptions = Options.Create(delivery);
        var sendingOptions = Options.Create(_sending);
        var transport = new SmtpMailTransport(deliveryOptions, Options.Create(DeliveryTestData.Sender));
        var pool = new MailConnectionPool(transport, sendingOptions, deliveryOptions, _metrics.Metrics, _clock);
        _pools.Add(pool);
        var builder = new IssueMessageBuilder(Options.Create(DeliveryTestData.Sender), DeliveryTestData.Urls(), _clock);
        return new BatchSender(new BatchStore(_log, _log, _log, _log, Suppressions(), new RateLimiter(_database.Database, _clock)),
            new BatchMessages(new Bodies(() => _bodySource?.Invoke() ?? _body), builder),
            pool, new FullDiskStop(_log, _log, new SendHalts(), new DiskFullOnly(), NullLogger<FullDiskStop>.Instance), sendingOptions, _metrics.Metrics, _clock, NullLogger<BatchSender>.Instance);
    }

    private static DeliveryOptions Smtp(int port, string? user = null, string? password = null) => new()
    {
        Transport = MailTransportKind.Smtp,
        Smtp = new SmtpOptions { Host = "127.0.0.1", Port = port, Security = SmtpSecurity.None, TimeoutSeconds = 30, User = user, Password = password },
    };

    private void UseClock(TimeProvider provider)
    {
        _clock = provider;
        _log = new TestDeliveryLog(_database.Database, provider);
    }

    private SuppressionList Suppressions() => new(_database.Database, _clock);

    private async Task<IReadOnlyList<Core.Deliveries.Delivery>> BatchAsync(Send send) => await _log.GetBatchAsync(send.Id, 0, None);

    private async Task<Core.Deliveries.Delivery> DeliveryToAsync(Send send, string email) => (await BatchAsync(send)).Single(d => d.Email == email);

    private Task<DeliveryCounts> CountsAsync(Send send) => _log.CountAsync(send.IssueNumber, send.Id, None);

    private static (int Sent, int Failed, int Pending) CountsOf(DeliveryCounts counts) => (counts.Sent, counts.Failed, counts.Pending);

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    private sealed class Bodies(Func<EncodedIssueBody> body) : IIssueBodySource
    {
        public Task<EncodedIssueBody> GetBodyAsync(int issueNumber, ListIdentity list, CancellationToken cancellationToken) => Task.FromResult(body());
    }

    /// <summary>Knows only the transport's own full-disk exception (the worker's also reads SQLite's and Hangfire's codes).</summary>
    private sealed class DiskFullOnly : IDiskFullErrors
    {
        public DiskFullException? Recognise(Exception exception)
        {
            for (var e = exception; e is not null; e = e.InnerException)
            {
                if (e is DiskFullException full) return full;
            }
            return null;
        }
    }
}
