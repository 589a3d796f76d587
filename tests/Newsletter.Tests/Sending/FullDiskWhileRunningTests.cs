using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Newsletter.Core.Composition;
using Newsletter.Core.Deliveries;
using Newsletter.Delivery.Sending;
using Newsletter.OperatorFiles.Lists;
using Newsletter.OperatorFiles.Stories;
using Newsletter.Tests.Support;
using Newsletter.Tests.Web;
using Newsletter.Worker.Hosting;
using Newsletter.Worker.Publishing;
using Newsletter.Worker.Sending;

namespace Newsletter.Tests.Sending;

/// <summary>
/// A disk that fills under a worker that keeps running (<c>run</c>, here its host with a real Hangfire server and real SQLite
/// files on a real, small tmpfs): the send must end in a state an operator sees, paused with the full file named, never
/// "running" with nothing happening.
/// </summary>
[Collection(HangfireCollection.Name)]
public sealed class FullDiskWhileRunningTests : IDisposable
{
    private readonly TestEnvironment _environment = new();
    private readonly LogCapture _logs = new();

    public void Dispose() => _environment.Dispose();

    private IHost StartHost()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddNewsletter(new HostSettings(RunJobServer: true, _environment.Settings));
        builder.Logging.AddProvider(_logs);
        var host = builder.Build();
        host.Start();
        return host;
    }

    private static async Task<Send> PublishAsync(IHost host) =>
        (await host.Services.GetRequiredService<IssuePublisher>().PublishAsync(HostPublishing.SampleWeek, ["readers"], _ => { }, CancellationToken.None))
        .Sends.Single().Send;

    private static async Task<Send> WaitForStateAsync(IHost host, long sendId, SendState state, TimeSpan timeout)
    {
        var log = host.Services.GetRequiredService<ISendStore>();
        Send? current = null;
        try
        {
            await Poll.UntilAsync(async () => (current = await log.GetSendAsync(sendId, CancellationToken.None))?.State == state, timeout, $"the send to be {state}");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message} It is {current?.State} ({current?.PauseReason}).", ex);
        }
        return current!;
    }

    [Fact(Timeout = 180_000)]
    public async Task Send_IsRecordedPausedNamingTheDatabase_OnceThereIsRoom_WhenTheDatabaseDiskIsFullAsTheSendStarts()
    {
        using var disk = await TinyDisk.MountAsync("4M");
        var database = Path.Combine(disk.Path, "newsletter.db");
        _environment.Settings["Newsletter:Store:Path"] = database;
        _environment.AddCsvList("readers", 50);
        using var host = StartHost();
        var services = host.Services;
        await services.GetRequiredService<StoryFolderImporter>().ImportAsync(Path.Combine(RepoPaths.Root, "stories"), null, CancellationToken.None);
        var issue = await services.GetRequiredService<IssueComposer>().ComposeAsync(HostPublishing.SampleWeek, CancellationToken.None);
        var list = services.GetRequiredService<MailingListCatalog>().Resolve(["readers"]).Single();
        var send = (await services.GetRequiredService<SendScheduler>().ScheduleAsync(issue.Number, list, DateTimeOffset.UtcNow.AddSeconds(4), CancellationToken.None)).Send;
        // An empty write-ahead log on a full disk: the next write to the database, whatever its size, finds no room.
        await using (var connection = new SqliteConnection($"Data Source={database};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var checkpoint = connection.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            await checkpoint.ExecuteNonQueryAsync();
        }
        disk.Fill();

        var halts = services.GetRequiredService<SendHalts>();
        await Poll.UntilAsync(() => Task.FromResult(halts.TryGetReason(send.Id, out _)), TimeSpan.FromSeconds(60), "the send to stop on the full disk");
        await disk.GrowAsync("64M");
        var paused = await WaitForStateAsync(host, send.Id, SendState.Paused, TimeSpan.FromSeconds(30));

        Assert.Contains($"The disk holding the database {database} is full", paused.PauseReason);
        Assert.Contains("--resume", paused.PauseReason);
        Assert.Single(_logs.Lines, l => l.Contains("cannot record the pause", StringComparison.Ordinal));
        await host.StopAsync();
    }

    [Fact(Timeout = 180_000)]
    public async Task FanOut_PausesTheSendNamingTheJobDatabase_WithoutHangfireRetries_WhenItsDiskFillsWhileQueuingBatches()
    {
        // Batches of one: the fan-out queues 2,000 jobs, far more than 3 MB of job database holds.
        using var disk = await TinyDisk.MountAsync("3M");
        var jobDatabase = Path.Combine(disk.Path, "hangfire.db");
        _environment.Settings["Newsletter:Jobs:StoragePath"] = jobDatabase;
        _environment.Settings["Newsletter:Delivery:BatchSize"] = "1";
        _environment.AddCsvList("readers", 2000);
        using var host = StartHost();
        var send = await PublishAsync(host);

        var paused = await WaitForStateAsync(host, send.Id, SendState.Paused, TimeSpan.FromSeconds(60));

        Assert.Contains($"The disk holding the job database {jobDatabase} is full", paused.PauseReason);
        Assert.DoesNotContain(_logs.Lines, l => l.Contains("Retry attempt", StringComparison.Ordinal) && l.Contains(nameof(Newsletter.Worker.Scheduling.FanOutJob), StringComparison.Ordinal));
        await host.StopAsync();
    }
}
