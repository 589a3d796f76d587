using MailKit;
using Microsoft.Extensions.Logging;
using MimeKit;
using Newsletter.Core.Bounces;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Bounces;
using Newsletter.Delivery.Transports;
using Newsletter.Storage;
using Newsletter.Tests.Storage;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Bounces;

/// <summary>
/// Feedback-loop complaints through the bounce mailbox pass: real ARF reports (RFC 5965's examples, Yahoo's CFL, Microsoft's
/// JMRP) put into a real Dovecot by IMAP APPEND, read over IMAP, against a real SQLite store.
/// </summary>
public sealed class ComplaintProcessorTests(DovecotServer dovecot) : IClassFixture<DovecotServer>, IAsyncLifetime
{
    private const int TestTimeout = 30_000;
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly TempDatabase _temp = new();
    private readonly RecordedMetrics _metrics = new();
    private (string User, string Password) _mailbox;
    private TestDeliveryLog _log = null!;
    private SuppressionList _suppressions = null!;

    public Task InitializeAsync()
    {
        _mailbox = dovecot.CreateUser();
        _log = new TestDeliveryLog(_temp.Database);
        _suppressions = new SuppressionList(_temp.Database);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _temp.Dispose();
        _metrics.Dispose();
        return Task.CompletedTask;
    }

    private BounceProcessor Processor(Action<BounceOptions>? change = null, ILogger<BounceProcessor>? logger = null, ILogger<ComplaintRules>? complaintLogger = null)
    {
        var settings = Microsoft.Extensions.Options.Options.Create(BounceFixtures.Options(dovecot, _mailbox, change));
        return BounceFixtures.Processor(settings, _temp.Database, _metrics.Metrics, logger, complaintLogger);
    }

    private Task SeedAsync(string fixture) => dovecot.AppendAsync(_mailbox, "INBOX", BounceFixtures.Load(fixture));

    /// <summary>RFC 5965's simple report, about the message we sent with <paramref name="messageId"/>.</summary>
    private Task SeedComplaintAboutAsync(string messageId)
    {
        var report = BounceFixtures.Load(BounceFixtures.Rfc5965Simple);
        report.BodyParts.OfType<MessagePart>().Single().Message!.MessageId = messageId;
        return dovecot.AppendAsync(_mailbox, "INBOX", report);
    }

    private async Task<SendProgress> ProgressAsync(int issueNumber, string listName = "weekly")
    {
        var send = await _log.FindSendAsync(issueNumber, listName, None);
        return Assert.Single(await _log.GetSendProgressAsync([send!.Id], None));
    }

    /// <summary>A send of <paramref name="issueNumber"/> to <paramref name="readers"/> readers that has started: the first
    /// <paramref name="sent"/> are sent (Message-ID <c>m{i}@newsletter.test</c>), the rest wait.</summary>
    private async Task<Send> RunningSendAsync(int issueNumber, int readers, int sent)
    {
        var list = new MailingList("weekly", "Weekly readers", Enumerable.Range(0, readers).Select(i => new Subscriber($"reader{i}@example.com", null)).ToList());
        var send = await _log.CreateSendAsync(issueNumber, list, batchSize: 1000, scheduledFor: null, None);
        await _log.MarkSendStartedAsync(send.Id, None);
        foreach (var delivery in (await _log.GetBatchAsync(send.Id, 0, None)).Take(sent))
        {
            await _log.RecordSentAsync(delivery.Id, "250 2.0.0 Ok", $"m{delivery.Email[6..delivery.Email.IndexOf('@')]}@newsletter.test", None);
        }
        return send;
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ProcessAsync_SuppressesTheReaderOnEveryListAndCountsTheComplaintAgainstItsSend_WhenYahooReportsARedactedRecipient()
    {
        await SentIssues.SendAsync(_log, 1, ["ada@example.com", "alan@example.org"]);
        await SentIssues.SendAsync(_log, 2, ["ada@example.com", "alan@example.org"],
            new Dictionary<string, string> { ["ada@example.com"] = BounceFixtures.YahooCflMessageId });
        await SeedAsync(BounceFixtures.YahooCfl);

        var outcome = Assert.Single((await Processor().ProcessAsync(None)).Messages);

        Assert.Equal((BounceOutcomeKind.Complaint, "ada@example.com", 2, "weekly", "Message-ID"),
            (outcome.Kind, outcome.Email, outcome.IssueNumber, outcome.ListName, outcome.MatchedBy));
        var suppression = Assert.Single(await _suppressions.ListAsync(None));
        Assert.Equal(("ada@example.com", null, SuppressionReason.Complaint), (suppression.Email, suppression.ListName, suppression.Reason));
        Assert.True(await _suppressions.IsSuppressedAsync("ada@example.com", "weekly", None));
        Assert.True(await _suppressions.IsSuppressedAsync("ada@example.com", "another-list", None));
        Assert.Equal((1, 0), ((await ProgressAsync(2)).Complaints, (await ProgressAsync(1)).Complaints));
        Assert.Equal(0.5, (await ProgressAsync(2)).ComplaintRate);
        var processed = Assert.Single(await dovecot.ListAsync(_mailbox, "Processed"));
        Assert.Equal("FW: #2: Tensor Weekly, week ending 13 April 2026", processed.Subject);
        Assert.Equal(1, _metrics.Sum("newsletter.complaints", ("list", "weekly")));
        Assert.Equal(1, _metrics.Sum("newsletter.bounces.processed", ("outcome", "complaint")));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ProcessAsync_CountsTheComplaintAgainstTheIssueItsFeedbackIdNames_WhenMicrosoftReportsARecipientWhoGotALaterIssueToo()
    {
        await SentIssues.SendAsync(_log, 1, ["alan@outlook.com", "ada@example.com"]);
        await SentIssues.SendAsync(_log, 2, ["alan@outlook.com", "ada@example.com"]);
        await SeedAsync(BounceFixtures.MicrosoftJmrp);

        var outcome = Assert.Single((await Processor().ProcessAsync(None)).Messages);

        Assert.Equal((BounceOutcomeKind.Complaint, "alan@outlook.com", 1, "Original-Rcpt-To + Feedback-ID"),
            (outcome.Kind, outcome.Email, outcome.IssueNumber, outcome.MatchedBy));
        Assert.Equal((1, 0), ((await ProgressAsync(1)).Complaints, (await ProgressAsync(2)).Complaints));
        Assert.Equal(SuppressionReason.Complaint, Assert.Single(await _suppressions.ListAsync(None)).Reason);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ProcessAsync_FindsTheReaderThroughTheVerpEnvelope_WhenTheReportHasOnlyHeadersWithARewrittenMessageId()
    {
        await SentIssues.SendAsync(_log, 1, ["grace@example.net", "ada@example.com"]);
        await SeedAsync(BounceFixtures.Rfc5965Complete);

        var outcome = Assert.Single((await Processor().ProcessAsync(None)).Messages);

        Assert.Equal((BounceOutcomeKind.Complaint, "grace@example.net", 1, "VERP + Feedback-ID"),
            (outcome.Kind, outcome.Email, outcome.IssueNumber, outcome.MatchedBy));
        Assert.Equal("grace@example.net", Assert.Single(await _suppressions.ListAsync(None)).Email);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ProcessAsync_MatchesByMessageId_WhenRfc5965sSimpleReportNamesNoRecipient()
    {
        await SentIssues.SendAsync(_log, 1, ["ada@example.com", "alan@example.org"],
            new Dictionary<string, string> { ["alan@example.org"] = BounceFixtures.Rfc5965SimpleMessageId });
        await SeedAsync(BounceFixtures.Rfc5965Simple);

        var outcome = Assert.Single((await Processor().ProcessAsync(None)).Messages);

        Assert.Equal((BounceOutcomeKind.Complaint, "alan@example.org", "Message-ID"), (outcome.Kind, outcome.Email, outcome.MatchedBy));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ProcessAsync_LeavesTheReportForAPersonCountedAndLogged_WhenTheComplaintNamesNobodyWeSentTo()
    {
        await SentIssues.SendAsync(_log, 2, ["ada@example.com"]);
        await SeedAsync(BounceFixtures.YahooCfl);
        var logs = new LogCapture();

        var outcome = Assert.Single((await Processor(logger: logs.CreateLogger<BounceProcessor>()).ProcessAsync(None)).Messages);

        Assert.Equal(BounceOutcomeKind.ComplaintUnmatched, outcome.Kind);
        Assert.Empty(await _suppressions.ListAsync(None));
        Assert.Equal(0, (await ProgressAsync(2)).Complaints);
        var kept = Assert.Single(await dovecot.ListAsync(_mailbox, "Unrecognised"));
        Assert.True(kept.Flags.HasFlag(MessageFlags.Flagged));
        Assert.False(kept.Flags.HasFlag(MessageFlags.Seen));
        Assert.Empty(await dovecot.ListAsync(_mailbox, "Processed"));
        Assert.Equal(1, _metrics.Sum("newsletter.bounces.processed", ("outcome", "complaint_unmatched")));
        var line = Assert.Single(logs.Lines, l => l.StartsWith("Warning ", StringComparison.Ordinal));
        Assert.Contains("spam complaint that names nobody we sent to", line);
        Assert.Contains(BounceFixtures.YahooCflMessageId, line);
        Assert.Contains("moved to Unrecognised", line);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ProcessAsync_CountsAComplaintOnce_WhenTheProviderReportsTheSameMessageTwice()
    {
        await SentIssues.SendAsync(_log, 2, ["ada@example.com", "alan@example.org"],
            new Dictionary<string, string> { ["ada@example.com"] = BounceFixtures.YahooCflMessageId });
        await SeedAsync(BounceFixtures.YahooCfl);
        await SeedAsync(BounceFixtures.YahooCfl);

        var report = await Processor().ProcessAsync(None);

        Assert.Equal([BounceOutcomeKind.Complaint, BounceOutcomeKind.Complaint], report.Messages.Select(m => m.Kind));
        Assert.Equal(1, (await ProgressAsync(2)).Complaints);
        Assert.Single(await _suppressions.ListAsync(None));
        Assert.Equal(1, _metrics.Sum("newsletter.complaints"));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ProcessAsync_SetsTheReportAsideForAPersonAndSuppressesNobody_WhenTheFeedbackTypeIsNotAbuse()
    {
        await SentIssues.SendAsync(_log, 1, ["alan@example.org"],
            new Dictionary<string, string> { ["alan@example.org"] = BounceFixtures.Rfc5965SimpleMessageId });
        var fraud = BounceFixtures.Load(BounceFixtures.Rfc5965Simple);
        fraud.BodyParts.OfType<MessageFeedbackReport>().Single().Fields["Feedback-Type"] = "fraud";
        await dovecot.AppendAsync(_mailbox, "INBOX", fraud);

        var outcome = Assert.Single((await Processor().ProcessAsync(None)).Messages);

        Assert.Equal(BounceOutcomeKind.Unrecognised, outcome.Kind);
        Assert.Contains("'fraud'", outcome.Detail);
        Assert.Empty(await _suppressions.ListAsync(None));
        Assert.Single(await dovecot.ListAsync(_mailbox, "Unrecognised"));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ProcessAsync_PausesTheRunningSendWithTheReason_WhenItsComplaintRateIsAboveTheCeiling()
    {
        var send = await RunningSendAsync(1, readers: 40, sent: 30);
        await SeedComplaintAboutAsync("m3@newsletter.test");
        await SeedComplaintAboutAsync("m7@newsletter.test");
        var logs = new LogCapture();

        await Processor(o => (o.ComplaintMinimumDelivered, o.ComplaintMinimumCount) = (20, 2), complaintLogger: logs.CreateLogger<ComplaintRules>()).ProcessAsync(None);

        var progress = await ProgressAsync(1);
        Assert.Equal(SendState.Paused, progress.Send.State);
        Assert.Equal(2, progress.Complaints);
        Assert.StartsWith("2 complaints from 30 messages delivered (6.67%) are above the complaint ceiling of 0.3% (Newsletter:Bounces:ComplaintRateCeiling)",
            progress.Send.PauseReason);
        Assert.Contains($"newsletter send 1 --list weekly --resume", progress.Send.PauseReason);
        Assert.Equal(10, progress.Counts.Pending);
        Assert.Contains(logs.Lines, l => l.StartsWith("Warning ", StringComparison.Ordinal) && l.Contains("Send of issue #1 to weekly paused", StringComparison.Ordinal));
        Assert.Equal(send.Id, progress.Send.Id);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ProcessAsync_LeavesTheSendRunning_WhenOneComplaintArrivesEarlyInTheSend()
    {
        await RunningSendAsync(1, readers: 40, sent: 30);
        await SeedComplaintAboutAsync("m3@newsletter.test");

        await Processor().ProcessAsync(None);

        var progress = await ProgressAsync(1);
        Assert.Equal((SendState.Running, 1, null), (progress.Send.State, progress.Complaints, progress.Send.PauseReason));
        Assert.True(await _suppressions.IsSuppressedAsync("reader3@example.com", "weekly", None));
    }
}
