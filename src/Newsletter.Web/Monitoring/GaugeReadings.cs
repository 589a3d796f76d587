using System.Diagnostics.Metrics;
using Hangfire;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Monitoring;

namespace Newsletter.Web.Monitoring;

/// <summary>
/// The gauges of what is going on now, read from the delivery log and from Hangfire's storage: each unfinished send's
/// deliveries by state and its complaints (count and rate), the sends by state, and the job queues.
/// </summary>
/// <remarks>
/// Observable-gauge callbacks are synchronous and run once per instrument, so they only read the readings taken last;
/// <see cref="RefreshAsync"/> takes them, asynchronously and once for all gauges, right before each scrape is answered. The
/// delivery log answers in one grouped query however many sends are open. A source that cannot be read reports no values
/// (rather than stale ones) until it can again, and <c>/healthz</c> says which.
/// </remarks>
public sealed partial class GaugeReadings
{
    /// <summary>Two scrapes this close together (an HA pair of Prometheus servers) share one reading.</summary>
    private static readonly TimeSpan Reuse = TimeSpan.FromSeconds(1);

    private static readonly SendState[] UnfinishedSendStates = [SendState.Scheduled, SendState.Running, SendState.Paused];

    private readonly IDeliveryProgress _log;
    private readonly JobStorage _jobs;
    private readonly TimeProvider _clock;
    private readonly ILogger<GaugeReadings> _logger;
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private volatile Readings _latest = Readings.None;

    public GaugeReadings(NewsletterMetrics metrics, IDeliveryProgress log, JobStorage jobs, TimeProvider clock, ILogger<GaugeReadings> logger)
    {
        _log = log;
        _jobs = jobs;
        _clock = clock;
        _logger = logger;
        var meter = metrics.Meter;
        meter.CreateObservableGauge("newsletter.send.deliveries", ObserveDeliveries, "{delivery}",
            "Deliveries of each unfinished (scheduled, running or paused) send, by issue, list and state.");
        meter.CreateObservableGauge("newsletter.send.complaints", ObserveComplaints, "{complaint}",
            "Feedback-loop complaints counted against each unfinished send, by issue and list.");
        meter.CreateObservableGauge("newsletter.send.complaint_rate", ObserveComplaintRates, unit: null,
            "Complaints per message delivered of each unfinished send, by issue and list (0.003 is 0.3%, the Gmail and Yahoo limit).");
        meter.CreateObservableGauge("newsletter.sends", ObserveSends, "{send}",
            "Unfinished sends by state (scheduled, running, paused).");
        meter.CreateObservableGauge("newsletter.jobs.enqueued", ObserveQueues, "{job}",
            "Hangfire jobs waiting in each queue.");
        meter.CreateObservableGauge("newsletter.jobs", ObserveJobs, "{job}",
            "Hangfire jobs by state (scheduled, processing, failed).");
    }

    /// <summary>Reads the delivery log and Hangfire's storage, unless that was done less than a second ago.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _refreshing.WaitAsync(cancellationToken);
        try
        {
            var now = _clock.GetUtcNow();
            if (now - _latest.TakenAt < Reuse)
            {
                return;
            }

            IReadOnlyList<SendProgress>? sends = null;
            try
            {
                sends = await _log.ListUnfinishedSendProgressAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogUnreadable("the delivery log", ex.Message);
            }

            JobReadings? jobReadings = null;
            try
            {
                jobReadings = ReadJobs();
            }
            catch (Exception ex)
            {
                // Hangfire's storages throw their own drivers' exceptions; any of them means no reading this time.
                LogUnreadable("Hangfire's storage", ex.Message);
            }

            _latest = new Readings(now, sends, jobReadings);
        }
        finally
        {
            _refreshing.Release();
        }
    }

    private JobReadings ReadJobs()
    {
        var monitoring = _jobs.GetMonitoringApi();
        // Queues() lists only queues that hold jobs; the default queue is reported even when empty so a graph never gaps.
        var queues = monitoring.Queues().ToDictionary(q => q.Name, q => q.Length);
        queues.TryAdd("default", 0);
        return new JobReadings(queues, monitoring.ScheduledCount(), monitoring.ProcessingCount(), monitoring.FailedCount());
    }

    private IEnumerable<Measurement<long>> ObserveDeliveries()
    {
        foreach (var send in _latest.Sends ?? [])
        {
            var c = send.Counts;
            // Every state, zeros included, so sent / (sent + pending + …) is always computable.
            yield return Delivery(send, "pending", c.Pending);
            yield return Delivery(send, "sending", c.Sending);
            yield return Delivery(send, "deferred", c.Deferred);
            yield return Delivery(send, "sent", c.Sent);
            yield return Delivery(send, "failed", c.Failed);
            yield return Delivery(send, "suppressed", c.Suppressed);
        }
    }

    private static Measurement<long> Delivery(SendProgress send, string state, int count) => new(count,
        new KeyValuePair<string, object?>("issue", send.Send.IssueNumber),
        new KeyValuePair<string, object?>("list", send.Send.ListName),
        new KeyValuePair<string, object?>("state", state));

    private IEnumerable<Measurement<long>> ObserveComplaints() =>
        (_latest.Sends ?? []).Select(send => new Measurement<long>(send.Complaints, SendTags(send)));

    private IEnumerable<Measurement<double>> ObserveComplaintRates() =>
        (_latest.Sends ?? []).Select(send => new Measurement<double>(send.ComplaintRate, SendTags(send)));

    private static KeyValuePair<string, object?>[] SendTags(SendProgress send) =>
    [
        new("issue", send.Send.IssueNumber),
        new("list", send.Send.ListName),
    ];

    private IEnumerable<Measurement<long>> ObserveSends()
    {
        if (_latest.Sends is not { } sends)
        {
            yield break;
        }
        foreach (var state in UnfinishedSendStates)
        {
            yield return new Measurement<long>(sends.Count(s => s.Send.State == state),
                new KeyValuePair<string, object?>("state", state.ToString().ToLowerInvariant()));
        }
    }

    private IEnumerable<Measurement<long>> ObserveQueues() =>
        _latest.Jobs?.Enqueued.Select(q => new Measurement<long>(q.Value, new KeyValuePair<string, object?>("queue", q.Key))) ?? [];

    private IEnumerable<Measurement<long>> ObserveJobs()
    {
        if (_latest.Jobs is not { } j)
        {
            yield break;
        }
        yield return new Measurement<long>(j.Scheduled, new KeyValuePair<string, object?>("state", "scheduled"));
        yield return new Measurement<long>(j.Processing, new KeyValuePair<string, object?>("state", "processing"));
        yield return new Measurement<long>(j.Failed, new KeyValuePair<string, object?>("state", "failed"));
    }

    /// <summary>One reading of every source; a null source could not be read.</summary>
    private sealed record Readings(DateTimeOffset TakenAt, IReadOnlyList<SendProgress>? Sends, JobReadings? Jobs)
    {
        public static readonly Readings None = new(DateTimeOffset.MinValue, null, null);
    }

    private sealed record JobReadings(Dictionary<string, long> Enqueued, long Scheduled, long Processing, long Failed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Metrics: cannot read {Source}; its gauges report nothing until it can: {Reason}")]
    private partial void LogUnreadable(string source, string reason);
}
