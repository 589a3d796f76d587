using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Newsletter.Core.Lists;
using Newsletter.Storage;
using Newsletter.Tests.Storage;
using Newsletter.Tests.Support;
using Newsletter.Worker.Hosting;
using Xunit.Abstractions;

namespace Newsletter.Tests.Bounces;

/// <summary>
/// Complaints as an operator meets them: Yahoo and Microsoft feedback reports in a real Dovecot mailbox, read by the real
/// `newsletter bounces process`, then shown by the real `newsletter status` against the right issue and list.
/// </summary>
public sealed class ComplaintCommandTests(DovecotServer dovecot, ITestOutputHelper output) : IClassFixture<DovecotServer>, IDisposable
{
    private const int TestTimeout = 120_000;
    private readonly TestEnvironment _environment = new();

    public void Dispose() => _environment.Dispose();

    private async Task<CliProcess.Result> RunAsync(params string[] args)
    {
        var result = await CliProcess.RunAsync(_environment, null, args);
        output.WriteLine($"$ newsletter {string.Join(' ', args)}   (exit code {result.ExitCode})\n{result.Output}{result.Error}");
        return result;
    }

    /// <summary>A provider's report about the message we sent with <paramref name="messageId"/>.</summary>
    private static MimeMessage ReportAbout(string fixture, string messageId)
    {
        var report = BounceFixtures.Load(fixture);
        report.BodyParts.OfType<MessagePart>().Single().Message!.MessageId = messageId;
        return report;
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Status_ShowsTheComplaintsAgainstTheirIssueAndListAndThePause_AfterBouncesProcessReadsYahooAndMicrosoftReports()
    {
        var mailbox = dovecot.CreateUser();
        var settings = _environment.Settings;
        foreach (var (key, value) in dovecot.BounceMailboxSettings(mailbox))
        {
            settings[key] = value;
        }
        settings["Newsletter:Bounces:ComplaintMinimumDelivered"] = "20";
        settings["Newsletter:Bounces:ComplaintMinimumCount"] = "2";

        // Issue #1 went in full to the "digest" list and is half-way through "weekly": 30 of 40 sent, 10 waiting.
        using (var host = NewsletterHost.Create(new HostSettings(RunJobServer: false, settings)))
        {
            var log = TestDeliveryLog.From(host.Services);
            var digest = await log.CreateSendAsync(1, new MailingList("digest", "Digest", [new Subscriber("dora@example.com", null)]), 100, null, CancellationToken.None);
            await log.MarkSendStartedAsync(digest.Id, CancellationToken.None);
            await log.RecordSentAsync((await log.GetBatchAsync(digest.Id, 0, CancellationToken.None)).Single().Id, "250 Ok", "dora@newsletter.test", CancellationToken.None);
            await log.TryMarkSendFinishedAsync(digest.Id, CancellationToken.None);
            var readers = Enumerable.Range(0, 40).Select(i => new Subscriber($"reader{i}@example.com", null)).ToList();
            var weekly = await log.CreateSendAsync(1, new MailingList("weekly", "Weekly", readers), 100, null, CancellationToken.None);
            await log.MarkSendStartedAsync(weekly.Id, CancellationToken.None);
            foreach (var delivery in (await log.GetBatchAsync(weekly.Id, 0, CancellationToken.None)).Take(30))
            {
                await log.RecordSentAsync(delivery.Id, "250 Ok", delivery.Email.Replace("@example.com", "@newsletter.test", StringComparison.Ordinal), CancellationToken.None);
            }
        }
        await dovecot.AppendAsync(mailbox, "INBOX", ReportAbout(BounceFixtures.YahooCfl, "reader3@newsletter.test"));
        await dovecot.AppendAsync(mailbox, "INBOX", ReportAbout(BounceFixtures.MicrosoftJmrp, "reader7@newsletter.test"));

        var process = await RunAsync("bounces", "process");
        var status = await RunAsync("status", "1");
        var json = await RunAsync("status", "1", "--json");

        Assert.True(process.ExitCode == 0, process.Output + process.Error);
        Assert.Contains("2 complaint(s) suppressed", process.Output);
        var lines = status.Output.Split('\n', StringSplitOptions.TrimEntries);
        var weeklyRow = Array.FindIndex(lines, l => l.StartsWith("weekly", StringComparison.Ordinal));
        Assert.Contains("paused: 2 complaints from 30 messages delivered (6.67%) are above the complaint ceiling of 0.3%", lines[weeklyRow]);
        Assert.Equal("2 complaint(s): 6.67% of the messages delivered (feedback-loop reports; the readers are suppressed)", lines[weeklyRow + 1]);
        Assert.Single(lines, l => l.Contains("complaint(s):", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("digest", StringComparison.Ordinal) && l.EndsWith("(finished)", StringComparison.Ordinal));
        using var document = JsonDocument.Parse(json.Output);
        var sends = document.RootElement.GetProperty("sends").EnumerateArray().ToDictionary(s => s.GetProperty("list").GetString()!);
        Assert.Equal((2, 2.0 / 30, "paused"), (sends["weekly"].GetProperty("complaints").GetInt32(), sends["weekly"].GetProperty("complaintRate").GetDouble(),
            sends["weekly"].GetProperty("state").GetString()));
        Assert.Equal(0, sends["digest"].GetProperty("complaints").GetInt32());
        Assert.Equal(2, document.RootElement.GetProperty("complaints").GetInt32());
        // The issue's rate is its complaints over every message it delivered (2 of 31), not an average of the lists' rates.
        Assert.Equal(2.0 / 31, document.RootElement.GetProperty("complaintRate").GetDouble());
    }

    [Fact(Timeout = TestTimeout)]
    public async Task BouncesProcess_SuppressesTheComplainingReaderOnEveryList_WhenYahooReportsTheirMessage()
    {
        var mailbox = dovecot.CreateUser();
        var settings = _environment.Settings;
        foreach (var (key, value) in dovecot.BounceMailboxSettings(mailbox))
        {
            settings[key] = value;
        }
        using var host = NewsletterHost.Create(new HostSettings(RunJobServer: false, settings));
        await SentIssues.SendAsync(TestDeliveryLog.From(host.Services), 2, ["ada@example.com", "alan@example.org"],
            new Dictionary<string, string> { ["ada@example.com"] = BounceFixtures.YahooCflMessageId });
        await dovecot.AppendAsync(mailbox, "INBOX", BounceFixtures.Load(BounceFixtures.YahooCfl));

        var process = await RunAsync("bounces", "process");

        Assert.True(process.ExitCode == 0, process.Output + process.Error);
        Assert.Contains("Complaint", process.Output);
        Assert.Contains("ada@example.com issue #2 to 'weekly' (by Message-ID)", process.Output);
        var suppressions = host.Services.GetRequiredService<ISuppressionList>();
        foreach (var list in new[] { "weekly", "sample", "any-other-list" })
        {
            Assert.True(await suppressions.IsSuppressedAsync("ada@example.com", list, CancellationToken.None), list);
        }
        Assert.False(await suppressions.IsSuppressedAsync("alan@example.org", "weekly", CancellationToken.None));
        Assert.Equal(SuppressionReason.Complaint, Assert.Single(await suppressions.ListAsync(CancellationToken.None)).Reason);
    }
}
