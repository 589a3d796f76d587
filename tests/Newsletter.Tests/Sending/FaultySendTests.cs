using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;
using Newsletter.Core.Monitoring;
using Newsletter.Tests.Support;
using Newsletter.Worker.Hosting;

namespace Newsletter.Tests.Sending;

/// <summary>
/// A 1,000-subscriber send through the whole pipeline (Hangfire with four workers, SQLite, pooled SMTP connections) to a
/// server that answers 451 and 421 at random, cuts connections in the middle of DATA, and refuses twenty addresses.
/// </summary>
[Collection(HangfireCollection.Name)]
public sealed class FaultySendTests(FaultySendTests.FaultySend send) : IClassFixture<FaultySendTests.FaultySend>
{
    public sealed class FaultySend : IAsyncLifetime
    {
        public const int SubscriberCount = 1000;
        public TestEnvironment Environment { get; } = new();
        public FaultySmtpServer Smtp { get; } = new()
        {
            Faults = new SmtpFaults { TransientFailureRate = 0.04, TransientReplyCode = 451, DropDuringDataRate = 0.02, Seed = 7 },
        };
        public IReadOnlyList<string> Subscribers { get; private set; } = [];
        public IReadOnlyList<string> Refused { get; private set; } = [];
        public DeliveryCounts Counts { get; private set; } = DeliveryCounts.None;
        public IReadOnlyList<Suppression> Suppressions { get; private set; } = [];
        public RecordedMetrics Metrics { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            await Smtp.StartAsync();
            Environment.UseSmtp(Smtp.Port);
            Subscribers = Environment.AddCsvList("readers", SubscriberCount);
            Refused = Subscribers.Where((_, i) => i % 50 == 7).ToList();
            foreach (var address in Refused) Smtp.RefuseRecipient(address);
            Environment.Settings["Newsletter:Delivery:BatchSize"] = "100";
            Environment.Settings["Newsletter:Sending:RetryDelaysSeconds:0"] = "0.2";
            Environment.Settings["Newsletter:Sending:RetryDelaysSeconds:1"] = "0.5";
            Environment.Settings["Newsletter:Sending:ThrottlePauseSeconds"] = "0.05";

            using var host = NewsletterHost.Create(new HostSettings(RunJobServer: true, Environment.Settings));
            Metrics = new RecordedMetrics(host.Services.GetRequiredService<NewsletterMetrics>());
            await host.StartAsync();
            (_, Counts) = await host.PublishAndWaitAsync("readers", TimeSpan.FromMinutes(3));
            Suppressions = await host.Services.GetRequiredService<ISuppressionList>().ListAsync(CancellationToken.None);
            await host.StopAsync();
        }

        public async Task DisposeAsync()
        {
            await Smtp.DisposeAsync();
            Metrics.Dispose();
            Environment.Dispose();
        }
    }

    [Fact]
    public void TheServer_ReallyMisbehaved()
    {
        Assert.True(send.Smtp.TransientRepliesInjected > 20, $"{send.Smtp.TransientRepliesInjected} transient replies injected");
        Assert.True(send.Smtp.ConnectionsDropped > 5, $"{send.Smtp.ConnectionsDropped} connections dropped");
    }

    [Fact]
    public void EveryAcceptedSubscriber_ReceivesExactlyOneMessage()
    {
        var perRecipient = send.Smtp.Received.SelectMany(m => m.EnvelopeTo).GroupBy(a => a).ToDictionary(g => g.Key, g => g.Count());

        Assert.Equal(send.Subscribers.Except(send.Refused).Order(), perRecipient.Keys.Order());
        Assert.All(perRecipient, kv => Assert.Equal(1, kv.Value));
    }

    [Fact]
    public void TheDeliveryLog_AccountsForEverySubscriber()
    {
        Assert.Equal(FaultySend.SubscriberCount - send.Refused.Count, send.Counts.Sent);
        Assert.Equal(send.Refused.Count, send.Counts.Failed);
        Assert.Equal(0, send.Counts.Outstanding);
    }

    [Fact]
    public void RefusedAddresses_AreSuppressedAsRefused()
    {
        Assert.Equal(send.Refused.Order(), send.Suppressions.Select(s => s.Email).Order());
        Assert.All(send.Suppressions, s => Assert.Equal(SuppressionReason.Refused, s.Reason));
    }

    [Fact]
    public void Counters_AgreeWithTheDeliveryLogAndTheServer_ThroughFaults()
    {
        var metrics = send.Metrics;
        // 451 without an x.7.x status is the recipient's transient failure, not throttling (421 or x.7.x would be).
        var deferredOnReply = metrics.Sum("newsletter.messages.deferred", ("list", "readers"), ("reason", "reply_4xx"));

        Assert.Equal(send.Counts.Sent, metrics.Sum("newsletter.messages.sent", ("list", "readers")));
        Assert.Equal(send.Refused.Count, metrics.Sum("newsletter.messages.failed", ("list", "readers"), ("reason", "recipient_refused")));
        Assert.Equal(send.Counts.Sent, metrics.Count("newsletter.smtp.reply.duration", ("reply", "2xx")));
        // Every 451 reply that reached a message is one deferral; the server injected them, so some must have.
        Assert.InRange(deferredOnReply, 20, send.Smtp.TransientRepliesInjected);
        Assert.Equal(0, metrics.Sum("newsletter.messages.deferred", ("list", "readers"), ("reason", "throttled")));
        Assert.Equal(deferredOnReply, metrics.Count("newsletter.smtp.reply.duration", ("reply", "4xx")));
        Assert.True(metrics.Sum("newsletter.messages.deferred", ("reason", "connection")) > 0, "no deferral after a dropped connection was counted");
        Assert.True(metrics.Count("newsletter.smtp.connect.duration", ("outcome", "ok")) > 1, "reconnects after drops were not timed");
    }
}
