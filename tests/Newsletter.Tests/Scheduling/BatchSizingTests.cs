using Microsoft.Extensions.DependencyInjection;
using Newsletter.Core.Deliveries;
using Newsletter.Tests.Support;
using Newsletter.Worker.Hosting;
using Newsletter.Worker.Publishing;

namespace Newsletter.Tests.Scheduling;

public sealed class BatchSizingTests
{
    [Fact]
    public void For_UsesTheLargestBatch_WhenTheListIsLargeEnoughToKeepEveryWorkerBusy()
    {
        Assert.Equal(1000, BatchSizing.For(recipients: 200_000, largestBatch: 1000, workers: 4));
    }

    [Theory]
    [InlineData(10_000, 4, 625)]   // 16 batches: four rounds of four workers
    [InlineData(2_000, 4, 125)]
    [InlineData(10_000, 12, 209)]  // 48 batches
    public void For_CutsTheListIntoFourBatchesPerWorker_WhenLargestBatchesWouldLeaveWorkersIdle(int recipients, int workers, int expected)
    {
        var size = BatchSizing.For(recipients, largestBatch: 1000, workers);

        Assert.Equal(expected, size);
        Assert.True((recipients + size - 1) / size >= BatchSizing.BatchesPerWorker * workers);
    }

    [Theory]
    [InlineData(300, 1000, 20)]
    [InlineData(0, 1000, 20)]
    [InlineData(300, 10, 10)]      // a configured largest batch below the smallest still wins
    public void For_NeverGoesBelowTheSmallestBatch_UnlessTheLargestAllowedIsSmaller(int recipients, int largestBatch, int expected)
    {
        Assert.Equal(expected, BatchSizing.For(recipients, largestBatch, workers: 4));
    }

    [Fact]
    public void For_Throws_WhenThereAreNoWorkers()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BatchSizing.For(100, 1000, workers: 0));
    }
}

/// <summary>The sizing rule is what a real publish uses to cut its send into batch jobs.</summary>
[Collection(HangfireCollection.Name)]
public sealed class SendBatchSizeTests : IDisposable
{
    private readonly TestEnvironment _environment = new();

    public void Dispose() => _environment.Dispose();

    [Fact]
    public async Task Publish_CutsASmallListIntoFourBatchesPerWorker_WhenTheLargestBatchWouldHoldItAll()
    {
        _environment.AddCsvList("readers", 200);
        _environment.Settings["Newsletter:Delivery:BatchSize"] = "1000";
        _environment.Settings["Newsletter:Jobs:WorkerCount"] = "2";

        using var host = NewsletterHost.Create(new HostSettings(RunJobServer: false, _environment.Settings));
        var published = await host.Services.GetRequiredService<IssuePublisher>()
            .PublishAsync(HostPublishing.SampleWeek, ["readers"], _ => { }, CancellationToken.None);

        var send = Assert.Single(published.Sends).Send;
        Assert.Equal((25, 8, 200), (send.BatchSize, send.BatchCount, send.RecipientCount));
    }
}
