using MailKit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newsletter.Core.Bounces;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Bounces;
using Newsletter.Delivery.Transports;
using Newsletter.Storage;
using Newsletter.Tests.Storage;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Bounces;

/// <summary>The bounce processor against a real Dovecot over real IMAP on loopback, and a real SQLite store.</summary>
public sealed class BounceProcessorTests(DovecotServer dovecot) : IClassFixture<DovecotServer>, IAsyncLifetime
{
    private const int TestTimeout = 30_000;
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly TempDatabase _temp = new();
    private readonly RecordedMetrics _metrics = new();
    private (string User, string Password) _mailbox;
    private TestDeliveryLog _log = null!;
    private SuppressionList _suppressions = null!;

    public async Task InitializeAsync()
    {
        _mailbox = dovecot.CreateUser();
        _log = new TestDeliveryLog(_temp.Database);
        _suppressions = new SuppressionList(_temp.Database);
    }

    public Task DisposeAsync()
    {
        _temp.Dispose();
        _metrics.Dispose();
        return Task.CompletedTask;
    }

    private BounceOptions Options(Action<BounceOptions>? change = null) => BounceFixtures.Options(dovecot, _mailbox, change);

    private BounceProcessor Processor(BounceOptions? options = null, ILogger<BounceProcessor>? logger = null)
    {
        var settings = Microsoft.Extensions.Options.Options.Create(options ?? Options());
        return BounceFixtures.Processor(settings, _temp.Database, _metrics.Metrics, logger);
    }

    private Task SeedAsync(string fixture) => dovecot.AppendAsync(_mailbox, "INBOX", BounceFixtures.Load(fixture));

    private async Task<Suppression?> SuppressionOf(string email) =>
        (await _suppressions.ListAsync(None)).SingleOrDefault(s => s.Email.Equals(email, StringComparison.OrdinalIgnoreCase));

    [Fact(Timeout = TestTimeout)]
    public async Task ProcessAsync_SuppressesAddressAndMovesMessageToProcessed_WhenGmailHardBounce()
    {
        await SentIssues.SendAsync(_log, 1, ["ada@example.com", "alan@example.org"],
            new Dictionary<string, string> { ["ada@example.com"] = BounceFixtures.GmailHardMessageId });
        await SeedAsync(BounceFixtures.GmailHard);

        var report = await Processor().ProcessAsync(None);

        var outcome = Assert.Single(report.Messages);
        Assert.Equal((BounceOutcomeKind.HardBounceSuppressed, "ada@example.com", 1, "5.1.1"), (outcome.Kind, outcome.Email, outcome.IssueNumber, outcome.Status));
        var suppression = await SuppressionOf("ada@example.com");
        Assert.Equal((SuppressionReason.HardBounce, null), (suppression?.Reason, suppression?.ListName));
        Assert.Contains("5.1.1", suppression!.Detail);
        Assert.Null(await SuppressionOf("alan@example.org"));
        Assert.Empty(await dovecot.ListAsync(_mailbox, "INBOX"));
        var processed = Assert.Single(await dovecot.ListAsync(_mailbox, "Processed"));
        Assert.Equal("Delivery Status Notification (Failure)", processed.Subject);
        Assert.True(processed.Flags.HasFlag(MessageFlags.Seen));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ProcessAsync_MatchesByVerpAddress_WhenTheReturnedMessageIdIsNotInTheDeliveryLog()
    {
        await SentIssues.SendAsync(_log, 1, ["ada@example.com"]);
        await SentIssues.SendAsync(_log, 2, ["ada@example.com"]);
        await SeedAsync(BounceFixtures.GmailHard);

        var outcome = Assert.Single((await Processor().ProcessAsync(None)).Messages);

        Assert.Equal((BounceOutcomeKind.HardBounceSuppressed, "VERP", 2), (outcome.Kind, outcome.MatchedBy, outcome.IssueNumber));
        Assert.Equal(SuppressionReason.HardBounce, (await SuppressionOf("ada@example.com"))?.Reason);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ProcessAsync_SuppressesTheSubscriberByMessageId_WhenPostfixBouncesTheAddressItForwardedTo()
    {
        await SentIssues.SendAsync(_log, 1, ["ada@example.com", "alan@example.org"],
            new Dictionary<string, string> { ["alan@example.org"] = BounceFixtures.PostfixHardMessageId, ["ada@example.com"] = "other@newsletter.test" });
        await SeedAsync(BounceFixtures.PostfixHard);

        var outcome = Assert.Single((await Processor().ProcessAsync(None)).Messages);

        Assert.Equal((BounceOutcomeKind.HardBounceSuppressed, "alan@example.org", "Message-ID"), (outcome.Kind, outcome.Email, outcome.MatchedBy));
        Assert.Equal(SuppressionReason.HardBounce, (await SuppressionOf("alan@example.org"))?.Reason);
        Assert.Null(await SuppressionOf("alan.turing@mail.example.org"));
        Assert.Single(await dovecot.ListAsync(_mailbox, "Processed"));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ProcessAsync_SuppressesOnlyAtTheLimit_WhenSoftBouncesArriveForConsecutiveIssues()
    {
        var processor = Processor(Options(o => o.SoftBounceLimit = 3));
        var kinds = new List<BounceOutcomeKind>();
        for (var issue = 1; issue <= 3; issue++)
        {
            await SentIssues.SendAsync(_log, issue, ["grace@example.net", "ada@example.com"]);
            await SeedAsync(BounceFixtures.PostfixSoft);

            var outcome = Assert.Single((await processor.ProcessAsync(None)).Messages);
            Assert.Equal(("grace@example.net", issue, "Original-Recipient"), (outcome.Email, outcome.IssueNumber, outcome.MatchedBy));
            kinds.Add(outcome.Kind);
            if (issue < 3)
            {
                Assert.Null(await SuppressionOf("grace@example.net"));
            }
        }

        Assert.Equal([BounceOutcomeKind.SoftBounceCounted, BounceOutcomeKind.SoftBounceCounted, BounceOutcomeKind.SoftBounceSuppressed], kinds);
        var suppression = await SuppressionOf("grace@example.net");
        Assert.Equal(SuppressionReason.SoftBounce, suppression?.Reason);
        Assert.Contains("3 consecutive issues", suppression!.Detail);
        Assert.Equal(3, (await dovecot.ListAsync(_mailbox, "Processed")).Count);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ProcessAsync_DoesNotSuppress_WhenAnIssueBetweenTheSoftBouncesWasNotBounced()
    {
        var processor = Processor(Options(o => o.SoftBounceLimit = 2));
        await SentIssues.SendAsync(_log, 1, ["grace@example.net"]);
        await SeedAsync(BounceFixtures.PostfixSoft);
        await processor.ProcessAsync(None);
        await SentIssues.SendAsync(_log, 2, ["grace@example.net"]);
        await SentIssues.SendAsync(_log, 3, ["grace@example.net"]);
        await SeedAsync(BounceFixtures.PostfixSoft);

        var outcome = Assert.Single((await processor.ProcessAsync(None)).Messages);

        Assert.Equal((BounceOutcomeKind.SoftBounceCounted, 3), (outcome.Kind, outcome.IssueNumber));
        Assert.Null(await SuppressionOf("grace@example.net"));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ProcessAsync_MovesMalformedReportToUnrecognisedWithALogLine_AndSuppressesNothing()
    {
        await SentIssues.SendAsync(_log, 1, ["alan@example.org"]);
        await SeedAsync(BounceFixtures.Malformed);
        var logs = new LogCapture();

        var outcome = Assert.Single((await Processor(logger: logs.CreateLogger<BounceProcessor>()).ProcessAsync(None)).Messages);

        Assert.Equal(BounceOutcomeKind.Unrecognised, outcome.Kind);
        Assert.Empty(await _suppressions.ListAsync(None));
        var kept = Assert.Single(await dovecot.ListAsync(_mailbox, "Unrecognised"));
        Assert.Equal("Undeliverable: #1: Google Releases Gemma 4", kept.Subject);
        Assert.True(kept.Flags.HasFlag(MessageFlags.Flagged));
        Assert.False(kept.Flags.HasFlag(MessageFlags.Seen));
        Assert.Empty(await dovecot.ListAsync(_mailbox, "INBOX"));
        var line = Assert.Single(logs.Lines, l => l.StartsWith("Warning ", StringComparison.Ordinal));
        Assert.Contains("Undeliverable: #1: Google Releases Gemma 4", line);
        Assert.Contains("no per-recipient group has both an Action and a Status", line);
        Assert.Contains("Nothing was suppressed", line);
        Assert.Contains("moved to Unrecognised", line);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ProcessAsync_ProcessesNothingTwice_WhenRunAgainOverTheSameMailbox()
    {
        await SentIssues.SendAsync(_log, 1, ["ada@example.com", "alan@example.org", "grace@example.net"],
            new Dictionary<string, string> { ["alan@example.org"] = BounceFixtures.PostfixHardMessageId });
        foreach (var fixture in new[] { BounceFixtures.GmailHard, BounceFixtures.PostfixHard, BounceFixtures.PostfixSoft, BounceFixtures.Malformed })
        {
            await SeedAsync(fixture);
        }
        var processor = Processor(Options(o => o.SoftBounceLimit = 2));

        var first = await processor.ProcessAsync(None);
        var suppressedAfterFirst = await _suppressions.ListAsync(None);
        var second = await processor.ProcessAsync(None);

        Assert.Equal(4, first.Messages.Count);
        Assert.Empty(second.Messages);
        Assert.Equal(suppressedAfterFirst, await _suppressions.ListAsync(None));
        Assert.Equal(["ada@example.com", "alan@example.org"], suppressedAfterFirst.Select(s => s.Email).Order());
        Assert.Equal(3, (await dovecot.ListAsync(_mailbox, "Processed")).Count);
        Assert.Single(await dovecot.ListAsync(_mailbox, "Unrecognised"));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ProcessAsync_MarksMessagesSeenInPlaceAndSkipsThemNextTime_WhenNoProcessedFolderIsConfigured()
    {
        await SentIssues.SendAsync(_log, 1, ["ada@example.com"]);
        await SeedAsync(BounceFixtures.GmailHard);
        await SeedAsync(BounceFixtures.Malformed);
        var processor = Processor(Options(o => o.ProcessedFolder = ""));

        var first = await processor.ProcessAsync(None);
        var second = await processor.ProcessAsync(None);

        Assert.Equal([BounceOutcomeKind.HardBounceSuppressed, BounceOutcomeKind.Unrecognised], first.Messages.Select(m => m.Kind));
        Assert.Empty(second.Messages);
        var inbox = await dovecot.ListAsync(_mailbox, "INBOX");
        Assert.Equal(2, inbox.Count);
        Assert.All(inbox, m => Assert.True(m.Flags.HasFlag(MessageFlags.Seen)));
        Assert.True(inbox.Single(m => m.Subject.StartsWith("Undeliverable", StringComparison.Ordinal)).Flags.HasFlag(MessageFlags.Flagged));
        Assert.Empty(await dovecot.ListAsync(_mailbox, "Processed"));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ProcessAsync_CountsEachMessageInTheBouncesMetric_ByOutcome()
    {
        await SentIssues.SendAsync(_log, 1, ["ada@example.com"], new Dictionary<string, string> { ["ada@example.com"] = BounceFixtures.GmailHardMessageId });
        await SeedAsync(BounceFixtures.GmailHard);
        await SeedAsync(BounceFixtures.Malformed);

        await Processor().ProcessAsync(None);

        Assert.Equal(1, _metrics.Sum("newsletter.bounces.processed", ("outcome", "hard_bounce_suppressed")));
        Assert.Equal(1, _metrics.Sum("newsletter.bounces.processed", ("outcome", "unrecognised")));
        Assert.Equal(2, _metrics.Sum("newsletter.bounces.processed"));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ProcessAsync_CountsNothing_WhenTheNotificationIsADelayWarning()
    {
        await SentIssues.SendAsync(_log, 1, ["grace@example.net"]);
        await SeedAsync(BounceFixtures.PostfixDelay);

        var outcome = Assert.Single((await Processor(Options(o => o.SoftBounceLimit = 1)).ProcessAsync(None)).Messages);

        Assert.Equal(BounceOutcomeKind.NotAFailure, outcome.Kind);
        Assert.Empty(await _suppressions.ListAsync(None));
        Assert.Single(await dovecot.ListAsync(_mailbox, "Processed"));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ProcessAsync_SuppressesNothing_WhenTheBounceNamesNobodyWeSentTo()
    {
        await SentIssues.SendAsync(_log, 1, ["someone@example.com"]);
        await SeedAsync(BounceFixtures.GmailHard);

        var outcome = Assert.Single((await Processor().ProcessAsync(None)).Messages);

        Assert.Equal((BounceOutcomeKind.Unmatched, "ada@example.com"), (outcome.Kind, outcome.Email));
        Assert.Empty(await _suppressions.ListAsync(None));
        Assert.Single(await dovecot.ListAsync(_mailbox, "Processed"));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ProcessAsync_ReadsTheConfiguredFolder_WhenBouncesArriveElsewhereThanInbox()
    {
        await SentIssues.SendAsync(_log, 1, ["ada@example.com"]);
        await dovecot.AppendAsync(_mailbox, "Bounces", BounceFixtures.Load(BounceFixtures.GmailHard));
        await SeedAsync(BounceFixtures.Malformed);

        var report = await Processor(Options(o => o.Folder = "Bounces")).ProcessAsync(None);

        Assert.Equal(BounceOutcomeKind.HardBounceSuppressed, Assert.Single(report.Messages).Kind);
        Assert.Empty(await dovecot.ListAsync(_mailbox, "Bounces"));
        Assert.Single(await dovecot.ListAsync(_mailbox, "INBOX"));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ProcessAsync_ThrowsNamingTheUserAndPasswordVariable_WhenTheLoginIsRefused()
    {
        var processor = Processor(Options(o => o.Password = "wrong"));

        var error = await Assert.ThrowsAsync<BounceMailboxException>(() => processor.ProcessAsync(None));

        Assert.Contains(_mailbox.User, error.Message);
        Assert.Contains("Newsletter__Bounces__Password", error.Message);
        Assert.DoesNotContain("wrong", error.Message);
    }
}
