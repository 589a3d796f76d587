using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Core.Bounces;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;
using Newsletter.Core.Monitoring;
using Newsletter.Delivery.Sending;
using Newsletter.Storage;
using Newsletter.Tests.Storage;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Web;

/// <summary><c>GET /metrics</c> of a running worker, scraped over real HTTP after a real send over real SMTP.</summary>
[Collection(HangfireCollection.Name)]
public sealed class MetricsEndpointTests(SmtpSentWorkerFixture fixture) : IClassFixture<SmtpSentWorkerFixture>
{
    private static readonly TimeSpan GaugeTimeout = TimeSpan.FromSeconds(30);

    private async Task<IReadOnlyList<PrometheusSample>> ScrapeAsync()
    {
        using var client = fixture.Worker.Client();
        using var response = await client.GetAsync("/metrics");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"/metrics answered {(int)response.StatusCode}: {body}");
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        return PrometheusText.Parse(body);
    }

    /// <summary>Scrapes until the samples satisfy <paramref name="condition"/>: gauges are read at most once a second.</summary>
    private async Task<IReadOnlyList<PrometheusSample>> ScrapeUntilAsync(Func<IReadOnlyList<PrometheusSample>, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + GaugeTimeout;
        while (true)
        {
            var samples = await ScrapeAsync();
            if (condition(samples)) return samples;
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"No scrape within {GaugeTimeout} where {what}. Last scrape:\n{string.Join("\n", samples.Where(s => s.Name.StartsWith("newsletter", StringComparison.Ordinal)))}");
            }
            await Task.Delay(250);
        }
    }

    private async Task<Send> ScheduleTomorrowAsync(string listName)
    {
        var list = new MailingList(listName, listName, [new Subscriber($"{listName}@example.com", null)]);
        var scheduled = await fixture.Worker.Services.GetRequiredService<SendScheduler>()
            .ScheduleAsync(fixture.Issue.Number, list, DateTimeOffset.UtcNow.AddDays(1), CancellationToken.None);
        return scheduled.Send;
    }

    private static HttpRequestMessage OffLoopback(string path, AuthenticationHeaderValue? login = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");
        request.Headers.Authorization = login;
        return request;
    }

    private static AuthenticationHeaderValue ViewerLogin() => new("Basic",
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{PublishedWorkerFixture.ViewerUser}:{PublishedWorkerFixture.ViewerPassword}")));

    [Fact]
    public async Task SentCounter_EqualsTheMessagesTheSmtpServerAccepted_AfterARealSend()
    {
        var samples = await ScrapeAsync();

        var sent = samples.Sum("newsletter_messages_sent_total", ("list", SmtpSentWorkerFixture.ListName));
        Assert.Equal(SmtpSentWorkerFixture.ListSize - 2, fixture.Smtp.Received.Count);
        Assert.Equal(fixture.Smtp.Received.Count, fixture.Counts.Sent);
        Assert.Equal(fixture.Counts.Sent, sent);
    }

    [Fact]
    public async Task FailedCounter_CountsTheRefusedRecipient_WithItsReason()
    {
        var samples = await ScrapeAsync();

        Assert.Equal(1, samples.Sum("newsletter_messages_failed_total", ("list", SmtpSentWorkerFixture.ListName), ("reason", "recipient_refused")));
        Assert.Equal(fixture.Counts.Failed, samples.Sum("newsletter_messages_failed_total", ("list", SmtpSentWorkerFixture.ListName)));
        Assert.Equal(0, samples.Sum("newsletter_messages_deferred_total", ("list", SmtpSentWorkerFixture.ListName)));
    }

    [Fact]
    public async Task SuppressedCounter_CountsTheAddressThatWasOnTheSuppressionList()
    {
        var samples = await ScrapeAsync();

        Assert.Equal(1, fixture.Counts.Suppressed);
        Assert.Equal(1, samples.Sum("newsletter_messages_suppressed_total", ("list", SmtpSentWorkerFixture.ListName)));
    }

    [Fact]
    public async Task Metrics_ShowOnlyTheirOwnHostsMeasurements_WhenTwoHostsShareTheProcess()
    {
        using var otherEnvironment = new TestEnvironment();
        await using var other = await RunningWorker.StartAsync(otherEnvironment, runJobServer: false);
        other.Services.GetRequiredService<NewsletterMetrics>().Sent("other-host");

        var ours = await ScrapeAsync();

        Assert.DoesNotContain(ours, s => s.Has(("list", "other-host")));
        using var client = other.Client();
        Assert.Contains("list=\"other-host\"", await client.GetStringAsync("/metrics"));
    }

    [Fact]
    public async Task SmtpReplyHistogram_HasOneObservationPerMessageHandedOver_ByReplyClass()
    {
        var samples = await ScrapeAsync();

        Assert.Equal(fixture.Counts.Sent, samples.Sum("newsletter_smtp_reply_duration_seconds_count", ("reply", "2xx")));
        Assert.Equal(1, samples.Sum("newsletter_smtp_reply_duration_seconds_count", ("reply", "5xx")));
        var infBucket = samples.Sum("newsletter_smtp_reply_duration_seconds_bucket", ("reply", "2xx"), ("le", "+Inf"));
        Assert.Equal(fixture.Counts.Sent, infBucket);
        Assert.True(samples.Sum("newsletter_smtp_connect_duration_seconds_count", ("outcome", "ok")) >= 1, "no SMTP connect was timed");
    }

    [Fact]
    public async Task SendGauges_ShowAnUnfinishedSendByState_AndDropItOnceItIsCancelled()
    {
        var send = await ScheduleTomorrowAsync("gauged");
        var issue = fixture.Issue.Number.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var open = await ScrapeUntilAsync(s => s.Any(x => x.Name == "newsletter_send_deliveries" && x.Has(("list", "gauged"))), "the scheduled send is shown");
        await TestDeliveryLog.From(fixture.Worker.Services).CancelSendAsync(send.Id, CancellationToken.None);
        await ScrapeUntilAsync(s => !s.Any(x => x.Has(("list", "gauged"))), "the cancelled send is gone");

        Assert.Equal(1, open.Sum("newsletter_send_deliveries", ("issue", issue), ("list", "gauged"), ("state", "pending")));
        Assert.Equal(0, open.Sum("newsletter_send_deliveries", ("issue", issue), ("list", "gauged"), ("state", "sent")));
        Assert.True(open.Sum("newsletter_sends", ("state", "scheduled")) >= 1, "the scheduled send is not counted in newsletter_sends");
        Assert.DoesNotContain(open, x => x.Name == "newsletter_send_deliveries" && x.Has(("list", SmtpSentWorkerFixture.ListName)));
    }

    [Fact]
    public async Task ComplaintGauges_ShowAnUnfinishedSendsComplaintsAndRate_ByIssueAndList()
    {
        // A paused send of four readers: three delivered, one still pending, and a complaint about one of the three.
        var log = TestDeliveryLog.From(fixture.Worker.Services);
        var readers = Enumerable.Range(0, 4).Select(i => new Subscriber($"reader{i}@complained.test", null)).ToList();
        var send = await log.CreateSendAsync(fixture.Issue.Number, new MailingList("complained", "Complained", readers), 100, null, CancellationToken.None);
        await log.MarkSendStartedAsync(send.Id, CancellationToken.None);
        foreach (var delivery in (await log.GetBatchAsync(send.Id, 0, CancellationToken.None)).Take(3))
        {
            await log.RecordSentAsync(delivery.Id, "250 Ok", null, CancellationToken.None);
        }
        Assert.True(await log.PauseSendAsync(send.Id, "held for this test", CancellationToken.None));
        var bounces = fixture.Worker.Services.GetRequiredService<IBounceStore>();
        var complained = (await bounces.FindSentAsync("reader1@complained.test", fixture.Issue.Number, CancellationToken.None))!;
        Assert.True(await bounces.RecordComplaintAsync(complained.DeliveryId, complained.SendId, CancellationToken.None));
        var issue = fixture.Issue.Number.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var samples = await ScrapeUntilAsync(s => s.Sum("newsletter_send_complaints", ("list", "complained")) >= 1, "the complaint is shown");

        Assert.Equal(1, samples.Sum("newsletter_send_complaints", ("issue", issue), ("list", "complained")));
        Assert.Equal(1.0 / 3, samples.Sum("newsletter_send_complaint_rate", ("issue", issue), ("list", "complained")), 1e-9);
        Assert.Equal(3, samples.Sum("newsletter_send_deliveries", ("issue", issue), ("list", "complained"), ("state", "sent")));
        await log.CancelSendAsync(send.Id, CancellationToken.None);
    }

    [Fact]
    public async Task JobGauges_CountTheScheduledFanOut_AndReportTheDefaultQueue()
    {
        await ScheduleTomorrowAsync("queued");

        var samples = await ScrapeUntilAsync(s => s.Sum("newsletter_jobs", ("state", "scheduled")) >= 1, "a scheduled job is counted");

        Assert.Contains(samples, x => x.Name == "newsletter_jobs_enqueued" && x.Has(("queue", "default")));
        Assert.Contains(samples, x => x.Name == "newsletter_jobs" && x.Has(("state", "failed")));
    }

    [Fact]
    public async Task Metrics_AreRefusedWithABasicChallenge_OffLoopbackWithoutCredentials()
    {
        using var client = fixture.Worker.Client();
        using var request = OffLoopback("/metrics");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Basic", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.DoesNotContain("newsletter_", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Metrics_AreServed_OffLoopbackWithAnOperatorLogin()
    {
        using var client = fixture.Worker.Client();
        using var request = OffLoopback("/metrics", ViewerLogin());

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("newsletter_messages_sent_total", await response.Content.ReadAsStringAsync());
    }
}
