using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Newsletter.Core.Composition;
using Newsletter.Core.Deliveries;
using Newsletter.Delivery.Sending;
using Newsletter.OperatorFiles.Lists;
using Newsletter.OperatorFiles.Stories;
using Newsletter.Rendering;
using Newsletter.Storage;
using Newsletter.Tests.Storage;
using Newsletter.Tests.Support;
using Newsletter.Worker.Hosting;
using Newsletter.Worker.Scheduling;
using Newsletter.Worker.Sending;

namespace Newsletter.Tests.Scheduling;

/// <summary>
/// A send is rendered once, by the process that creates it, and stored; the workers that send it read that rendering and
/// never compile the templates. A send created before renderings were stored is rendered by the worker, as it was then.
/// </summary>
[Collection(HangfireCollection.Name)]
public sealed class StoredRenderingSendTests : IAsyncLifetime
{
    private const int Subscribers = 30;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly TestEnvironment _environment = new();
    private readonly TestSmtpServer _smtp = new();

    public async Task InitializeAsync()
    {
        await _smtp.StartAsync();
        _environment.UseSmtp(_smtp.Port);
        _environment.AddCsvList("readers", Subscribers);
        _environment.Settings["Newsletter:Delivery:BatchSize"] = "10";
    }

    public async Task DisposeAsync()
    {
        await _smtp.DisposeAsync();
        _environment.Dispose();
    }

    private static async Task<Issue> ComposeSampleWeekAsync(IServiceProvider services)
    {
        await services.GetRequiredService<StoryFolderImporter>().ImportAsync(Path.Combine(RepoPaths.Root, "stories"), null, CancellationToken.None);
        return await services.GetRequiredService<IssueComposer>().ComposeAsync(HostPublishing.SampleWeek, CancellationToken.None);
    }

    [Fact]
    public async Task Worker_SendsASendCreatedByAnotherProcess_WithoutCompilingTheTemplates()
    {
        using var cancel = new CancellationTokenSource(Timeout);
        ScheduledSend scheduled;
        using (var sender = NewsletterHost.Create(new HostSettings(RunJobServer: false, _environment.Settings)))
        {
            await sender.StartAsync(cancel.Token);
            var issue = await ComposeSampleWeekAsync(sender.Services);
            var list = sender.Services.GetRequiredService<MailingListCatalog>().Resolve(["readers"]).Single();
            scheduled = await sender.Services.GetRequiredService<SendScheduler>().ScheduleAsync(issue.Number, list, at: null, cancel.Token);
            await sender.StopAsync(cancel.Token);
        }

        // The worker has no templates at all: whatever it sends can only come from the store.
        var workerSettings = new Dictionary<string, string?>(_environment.Settings)
        {
            ["Newsletter:Rendering:TemplatesDirectory"] = Path.Combine(_environment.Directory, "no-templates-here"),
        };
        using var worker = NewsletterHost.Create(new HostSettings(RunJobServer: true, workerSettings));
        await worker.StartAsync(cancel.Token);
        var counts = await worker.Services.GetRequiredService<SendWatcher>()
            .WaitAsync(scheduled.Send.IssueNumber, [scheduled.Send], (_, _) => { }, cancel.Token);
        await worker.StopAsync(cancel.Token);

        Assert.Equal(Subscribers, counts.Sent);
        Assert.Equal(Subscribers, _smtp.Received.Count);
        var renderer = worker.Services.GetRequiredService<IssueRenderer>();
        Assert.Equal(0, renderer.TemplateRuns);
        Assert.False(renderer.EngineCreated);
        // Personalised per subscriber all the same.
        var third = _smtp.Received.Single(m => m.EnvelopeTo.Contains("reader0003@example.com")).Parse();
        Assert.Contains("Hi Reader 3,", third.TextBody);
        Assert.Contains("Hi Reader 3,", third.HtmlBody);
    }

    [Fact]
    public async Task Worker_RendersTheIssue_WhenTheSendHasNoStoredRendering()
    {
        using var cancel = new CancellationTokenSource(Timeout);
        _environment.Settings["Newsletter:Delivery:BatchSize"] = Subscribers.ToString();
        using var host = NewsletterHost.Create(new HostSettings(RunJobServer: false, _environment.Settings));
        await host.StartAsync(cancel.Token);
        var issue = await ComposeSampleWeekAsync(host.Services);
        var list = host.Services.GetRequiredService<MailingListCatalog>().Resolve(["readers"]).Single();
        // As a send created before renderings were stored: its deliveries, and nothing in issue_renderings.
        var send = await TestDeliveryLog.From(host.Services).CreateSendAsync(issue.Number, list, Subscribers, null, cancel.Token);

        await host.Services.GetRequiredService<SendBatchJob>().RunAsync(send.Id, 0, cancel.Token);
        await host.StopAsync(cancel.Token);

        Assert.Equal(Subscribers, _smtp.Received.Count);
        Assert.True(host.Services.GetRequiredService<IssueRenderer>().TemplateRuns > 0);
        Assert.Null(await host.Services.GetRequiredService<IIssueRenderingStore>().FindAsync(issue.Number, "readers", cancel.Token));
    }

    [Fact]
    public async Task Schedule_KeepsTheStoredRendering_WhenTheSendIsQueuedAgainAfterTheTemplatesWentAway()
    {
        using var cancel = new CancellationTokenSource(Timeout);
        using var host = NewsletterHost.Create(new HostSettings(RunJobServer: false, _environment.Settings));
        await host.StartAsync(cancel.Token);
        var issue = await ComposeSampleWeekAsync(host.Services);
        var list = host.Services.GetRequiredService<MailingListCatalog>().Resolve(["readers"]).Single();
        await host.Services.GetRequiredService<SendScheduler>().ScheduleAsync(issue.Number, list, at: null, cancel.Token);
        var stored = await host.Services.GetRequiredService<IIssueRenderingStore>().FindAsync(issue.Number, "readers", cancel.Token);
        await host.StopAsync(cancel.Token);

        // `send` again from another process whose templates folder is gone: the send is frozen, so it carries on as stored.
        var laterSettings = new Dictionary<string, string?>(_environment.Settings)
        {
            ["Newsletter:Rendering:TemplatesDirectory"] = Path.Combine(_environment.Directory, "no-templates-here"),
        };
        using var later = NewsletterHost.Create(new HostSettings(RunJobServer: false, laterSettings));
        await later.StartAsync(cancel.Token);
        var again = await later.Services.GetRequiredService<SendScheduler>().ScheduleAsync(issue.Number, list, at: null, cancel.Token);
        await later.StopAsync(cancel.Token);

        Assert.NotNull(stored);
        Assert.False(again.IsNew);
        Assert.Equal(stored, await later.Services.GetRequiredService<IIssueRenderingStore>().FindAsync(issue.Number, "readers", cancel.Token));
        Assert.Equal(0, later.Services.GetRequiredService<IssueRenderer>().TemplateRuns);
    }
}
