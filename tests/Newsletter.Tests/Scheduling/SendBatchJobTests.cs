using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Newsletter.Core.Composition;
using Newsletter.Core.Deliveries;
using Newsletter.Storage.StoryFiles;
using Newsletter.Storage;
using Newsletter.Tests.Support;
using Newsletter.Worker.Hosting;
using Newsletter.Storage.Lists;
using Newsletter.Worker.Scheduling;

namespace Newsletter.Tests.Scheduling;

/// <summary>The batch job run directly, the way Hangfire's at-least-once delivery may run it: twice, and at the same time.</summary>
[Collection(HangfireCollection.Name)]
public sealed class SendBatchJobTests : IAsyncLifetime
{
    private const int Subscribers = 60;
    private readonly TestEnvironment environment = new();
    private readonly TestSmtpServer smtp = new();
    private IHost host = null!;
    private Send send = null!;

    public async Task InitializeAsync()
    {
        await smtp.StartAsync();
        environment.UseSmtp(smtp.Port);
        environment.AddCsvList("readers", Subscribers);
        environment.Settings["Newsletter:Delivery:BatchSize"] = Subscribers.ToString();
        smtp.RefuseRecipient("reader0007@example.com");

        host = NewsletterHost.Create(new HostSettings(RunJobServer: false, environment.Settings));
        await host.StartAsync();
        var services = host.Services;
        await services.GetRequiredService<StoryFolderImporter>().ImportAsync(Path.Combine(RepoPaths.Root, "stories"), null, CancellationToken.None);
        var issue = await services.GetRequiredService<IssueComposer>().ComposeAsync(new DateOnly(2026, 4, 6), CancellationToken.None);
        var list = services.GetRequiredService<MailingListCatalog>().Resolve(["readers"]).Single();
        send = await services.GetRequiredService<DeliveryLog>().CreateSendAsync(issue.Number, list, Subscribers, null, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
        await smtp.DisposeAsync();
        environment.Dispose();
    }

    private Task RunBatchAsync() => host.Services.GetRequiredService<SendBatchJob>().RunAsync(send.Id, 0, CancellationToken.None);

    [Fact]
    public async Task SendBatch_MailsNobodyTwice_WhenTheSameBatchRunsTwiceAtOnceAndThenAgain()
    {
        await Task.WhenAll(RunBatchAsync(), RunBatchAsync());
        await RunBatchAsync();

        var perRecipient = smtp.Received.SelectMany(m => m.EnvelopeTo).GroupBy(a => a).ToList();
        Assert.Equal(Subscribers - 1, perRecipient.Count);
        Assert.All(perRecipient, g => Assert.Single(g));
    }

    [Fact]
    public async Task SendBatch_RecordsARefusedRecipientAsFailedWithTheServersReply_AndSendsTheRest()
    {
        await RunBatchAsync();

        var log = host.Services.GetRequiredService<DeliveryLog>();
        Assert.Equal(new DeliveryCounts(Pending: 0, Sending: 0, Sent: Subscribers - 1, Failed: 1), await log.CountAsync(send.IssueNumber, send.Id, CancellationToken.None));
        var failure = Assert.Single(await log.ListFailedAsync(send.IssueNumber, CancellationToken.None));
        Assert.Equal("reader0007@example.com", failure.Email);
        Assert.Contains("550", failure.Detail);
    }

    [Fact]
    public async Task SendBatch_MarksTheSendFinished_WhenNothingIsLeftPending()
    {
        await RunBatchAsync();

        var finished = await host.Services.GetRequiredService<DeliveryLog>().GetSendAsync(send.Id, CancellationToken.None);
        Assert.Equal(SendState.Finished, finished?.State);
    }
}
