using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Newsletter.Core.Composition;
using Newsletter.Core.Deliveries;
using Newsletter.OperatorFiles.Lists;
using Newsletter.OperatorFiles.Stories;
using Newsletter.Storage;
using Newsletter.Tests.Storage;
using Newsletter.Tests.Support;
using Newsletter.Worker.Hosting;
using Newsletter.Worker.Scheduling;

namespace Newsletter.Tests.Scheduling;

/// <summary>The batch job run directly, the way Hangfire's at-least-once delivery may run it: twice, and at the same time.</summary>
[Collection(HangfireCollection.Name)]
public sealed class SendBatchJobTests : IAsyncLifetime
{
    private const int Subscribers = 60;
    private readonly TestEnvironment _environment = new();
    private readonly TestSmtpServer _smtp = new();
    private IHost _host = null!;
    private Send _send = null!;

    public async Task InitializeAsync()
    {
        await _smtp.StartAsync();
        _environment.UseSmtp(_smtp.Port);
        _environment.AddCsvList("readers", Subscribers);
        _environment.Settings["Newsletter:Delivery:BatchSize"] = Subscribers.ToString();
        _smtp.RefuseRecipient("reader0007@example.com");

        _host = NewsletterHost.Create(new HostSettings(RunJobServer: false, _environment.Settings));
        await _host.StartAsync();
        var services = _host.Services;
        await services.GetRequiredService<StoryFolderImporter>().ImportAsync(Path.Combine(RepoPaths.Root, "stories"), null, CancellationToken.None);
        var issue = await services.GetRequiredService<IssueComposer>().ComposeAsync(new DateOnly(2026, 4, 6), CancellationToken.None);
        var list = services.GetRequiredService<MailingListCatalog>().Resolve(["readers"]).Single();
        _send = await TestDeliveryLog.From(services).CreateSendAsync(issue.Number, list, Subscribers, null, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        await _smtp.DisposeAsync();
        _environment.Dispose();
    }

    private Task RunBatchAsync() => _host.Services.GetRequiredService<SendBatchJob>().RunAsync(_send.Id, 0, CancellationToken.None);

    [Fact]
    public async Task SendBatch_MailsNobodyTwice_WhenTheSameBatchRunsTwiceAtOnceAndThenAgain()
    {
        await Task.WhenAll(RunBatchAsync(), RunBatchAsync());
        await RunBatchAsync();

        var perRecipient = _smtp.Received.SelectMany(m => m.EnvelopeTo).GroupBy(a => a).ToList();
        Assert.Equal(Subscribers - 1, perRecipient.Count);
        Assert.All(perRecipient, g => Assert.Single(g));
    }

    [Fact]
    public async Task SendBatch_RecordsARefusedRecipientAsFailedWithTheServersReply_AndSendsTheRest()
    {
        await RunBatchAsync();

        var log = TestDeliveryLog.From(_host.Services);
        Assert.Equal(new DeliveryCounts(Pending: 0, Sending: 0, Sent: Subscribers - 1, Failed: 1), await log.CountAsync(_send.IssueNumber, _send.Id, CancellationToken.None));
        var failure = Assert.Single(await log.ListFailedAsync(_send.IssueNumber, CancellationToken.None));
        Assert.Equal("reader0007@example.com", failure.Email);
        Assert.Contains("550", failure.Detail);
    }

    [Fact]
    public async Task SendBatch_MarksTheSendFinished_WhenNothingIsLeftPending()
    {
        await RunBatchAsync();

        var finished = await TestDeliveryLog.From(_host.Services).GetSendAsync(_send.Id, CancellationToken.None);
        Assert.Equal(SendState.Finished, finished?.State);
    }
}
