using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Newsletter.Core.Clicks;
using Newsletter.Core.Monitoring;

namespace Newsletter.Web.Clicks;

/// <summary>
/// Counts clicks off the redirect's path: the redirect hands each click to <see cref="TryRecord"/> (a bounded in-memory queue,
/// never a wait) and answers at once; this service adds up what arrived per link and hour and writes it every
/// <see cref="FlushInterval"/> in one transaction of atomic increments (<see cref="IClickStore.AddClicksAsync"/>).
/// </summary>
/// <remarks>
/// What can be lost, and how it shows: when the store falls behind by more than <see cref="Capacity"/> clicks, further clicks
/// are still redirected but not counted (<c>newsletter_clicks_lost_total{reason="buffer_full"}</c>); when the store cannot be
/// written, the sums are kept and retried, and only what is still unwritten when the process stops is lost (reason
/// <c>shutdown</c>); a process killed outright loses the clicks of its last <see cref="FlushInterval"/>, uncounted anywhere.
/// </remarks>
public sealed partial class ClickRecorder(IClickStore store, NewsletterMetrics metrics, TimeProvider clock, ILogger<ClickRecorder> logger)
    : BackgroundService
{
    /// <summary>Clicks waiting for the store at most; beyond that they are redirected but not counted.</summary>
    public const int Capacity = 100_000;

    /// <summary>How long clicks are gathered before one write: one transaction for many clicks.</summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(250);

    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ShutdownWriteTimeout = TimeSpan.FromSeconds(5);

    private readonly Channel<(int Issue, int Link, DateTimeOffset Hour)> _clicks =
        Channel.CreateBounded<(int, int, DateTimeOffset)>(new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    // The sums read from the queue and not written yet; only the reading loop touches it.
    private readonly Dictionary<(int Issue, int Link, DateTimeOffset Hour), long> _unwritten = [];

    /// <summary>Queues one click of the link for counting; false (and counted as lost) when the queue is full. Never blocks.</summary>
    public bool TryRecord(int issueNumber, int linkId)
    {
        if (_clicks.Writer.TryWrite((issueNumber, linkId, ClickCount.BucketOf(clock.GetUtcNow())))) return true;
        metrics.ClicksLost(1, "buffer_full");
        return false;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _clicks.Reader.WaitToReadAsync(stoppingToken))
            {
                await Task.Delay(FlushInterval, clock, stoppingToken);
                Drain();
                if (!await TryWriteAsync(stoppingToken)) await Task.Delay(RetryDelay, clock, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the last clicks are written below.
        }

        Drain();
        using var timeout = new CancellationTokenSource(ShutdownWriteTimeout);
        if (!await TryWriteAsync(timeout.Token))
            metrics.ClicksLost(_unwritten.Values.Sum(), "shutdown");
    }

    private void Drain()
    {
        while (_clicks.Reader.TryRead(out var click))
        {
            _unwritten[click] = _unwritten.GetValueOrDefault(click) + 1;
        }
    }

    private async Task<bool> TryWriteAsync(CancellationToken cancellationToken)
    {
        if (_unwritten.Count == 0) return true;
        var counts = _unwritten.Select(kv => new ClickCount(kv.Key.Issue, kv.Key.Link, kv.Key.Hour, kv.Value)).ToList();
        try
        {
            await store.AddClicksAsync(counts, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogWriteFailed(ex, counts.Sum(c => c.Clicks));
            return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        _unwritten.Clear();
        metrics.ClicksCounted(counts.Sum(c => c.Clicks));
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not write {Clicks} clicks to the store; kept in memory and retried")]
    private partial void LogWriteFailed(Exception exception, long clicks);
}
