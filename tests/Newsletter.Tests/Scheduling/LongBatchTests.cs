using Hangfire;
using Hangfire.Storage.SQLite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Newsletter.Core.Composition;
using Newsletter.Core.Deliveries;
using Newsletter.OperatorFiles.Lists;
using Newsletter.OperatorFiles.Stories;
using Newsletter.Tests.Support;
using Newsletter.Tests.Web;
using Newsletter.Worker.Hosting;
using Newsletter.Worker.Scheduling;

namespace Newsletter.Tests.Scheduling;

/// <summary>
/// Hangfire's SQLite storage does not slide its invisibility timeout: a batch job that runs longer than the timeout is
/// handed to another worker while the first still sends it. Here with two job servers on one SQLite job database, a 2 s
/// timeout and a rate limit that makes the one batch last about 6 s.
/// </summary>
/// <remarks>
/// Before the batch lease, the second start made Hangfire cancel the first run (it cancels a job's token when another worker
/// takes the job), so the batch hopped from worker to worker every timeout, over a new connection each time: no one was mailed
/// twice (the claims), but a message cancelled in DATA is deferred as uncertain, a possible duplicate.
/// </remarks>
[Collection(HangfireCollection.Name)]
public sealed class LongBatchTests : IAsyncLifetime
{
    private const int Subscribers = 24;
    private readonly TestEnvironment _environment = new();
    private readonly TestSmtpServer _smtp = new();
    private readonly LogCapture _logs = new();
    private IHost _host = null!;
    private Send _send = null!;

    public async Task InitializeAsync()
    {
        await _smtp.StartAsync();
        _environment.UseSmtp(_smtp.Port);
        _environment.AddCsvList("readers", Subscribers);
        _environment.Settings["Newsletter:Delivery:BatchSize"] = Subscribers.ToString();
        _environment.Settings["Newsletter:Sending:PerSecond"] = "4";

        var builder = Host.CreateApplicationBuilder();
        builder.AddNewsletter(new HostSettings(RunJobServer: false, _environment.Settings));
        builder.Logging.AddProvider(_logs);
        _host = builder.Build();
        // Hangfire logs through a process-wide provider: point it at this host's logging before the test's own storage logs.
        _host.Services.GetRequiredService<IGlobalConfiguration>();
        await _host.StartAsync();
        var services = _host.Services;
        await services.GetRequiredService<StoryFolderImporter>().ImportAsync(Path.Combine(RepoPaths.Root, "stories"), null, CancellationToken.None);
        var issue = await services.GetRequiredService<IssueComposer>().ComposeAsync(new DateOnly(2026, 4, 6), CancellationToken.None);
        var list = services.GetRequiredService<MailingListCatalog>().Resolve(["readers"]).Single();
        _send = await services.GetRequiredService<ISendStore>().CreateSendAsync(issue.Number, list, Subscribers, null, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        await _smtp.DisposeAsync();
        _environment.Dispose();
    }

    [Fact]
    public async Task LongBatch_IsSentByOneWorkerOnly_WhenItOutlastsTheInvisibilityTimeoutOfTwoJobServers()
    {
        var storage = new SQLiteStorage(_environment.Settings["Newsletter:Jobs:StoragePath"]!, new SQLiteStorageOptions
        {
            QueuePollInterval = TimeSpan.FromMilliseconds(200),
            InvisibilityTimeout = TimeSpan.FromSeconds(2),
        });
        var activator = _host.Services.GetRequiredService<JobActivator>();
        BackgroundJobServer Server(string name) => new(new BackgroundJobServerOptions
        {
            ServerName = name,
            WorkerCount = 1,
            Activator = activator,
            SchedulePollingInterval = TimeSpan.FromMilliseconds(200),
        }, storage);

        var jobId = new BackgroundJobClient(storage).Enqueue<SendBatchJob>(job => job.RunAsync(_send.Id, 0, CancellationToken.None));
        using (Server("first"))
        using (Server("second"))
        {
            var log = _host.Services.GetRequiredService<ISendStore>();
            await Poll.UntilAsync(async () => (await log.GetSendAsync(_send.Id, CancellationToken.None))?.State == SendState.Finished,
                TimeSpan.FromSeconds(60), "the send to finish");
            // Long enough for the other server to fetch the job again once more, as it did while the batch ran.
            await Task.Delay(TimeSpan.FromSeconds(3));
        }

        var processing = storage.GetMonitoringApi().JobDetails(jobId).History.Count(h => h.StateName == "Processing");
        Assert.True(processing >= 2, $"the job was started {processing} time(s): the test did not make it outlast the timeout");
        var perRecipient = _smtp.Received.SelectMany(m => m.EnvelopeTo).GroupBy(a => a).ToList();
        Assert.Equal(Subscribers, perRecipient.Count);
        Assert.All(perRecipient, g => Assert.Single(g));
        // One worker ran the batch; the later starts found it held by a live worker and left it alone.
        var runs = _logs.Lines.Where(l => l.Contains("batch 0: ", StringComparison.Ordinal) && l.Contains(" sent, ", StringComparison.Ordinal)).ToList();
        Assert.True(runs.Count == 1 && runs[0].Contains($"{Subscribers} sent", StringComparison.Ordinal),
            $"the batch was sent by {runs.Count} runs:{Environment.NewLine}{string.Join(Environment.NewLine, runs)}");
        Assert.True(_smtp.SessionsStarted == 1, $"{_smtp.SessionsStarted} SMTP sessions, {processing} starts:{Environment.NewLine}" +
            string.Join(Environment.NewLine, _logs.Lines.Where(l => l.Contains("Issue #", StringComparison.Ordinal) || l.Contains("Hangfire", StringComparison.Ordinal))));
    }
}
