using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Newsletter.Core.Deliveries;

namespace Newsletter.Delivery.Sending;

/// <summary>
/// Writes the pauses this process could not record when it stopped a send on a full disk (<see cref="SendHalts"/>), once the
/// store can be written again: a worker that keeps running (<c>run</c>) would otherwise leave the send "running" in the store,
/// with nothing happening and nothing for <c>status</c>, the /sends page or another process to show. Runs in the processes that
/// run batch jobs.
/// </summary>
public sealed partial class HaltRecorder(ISendStore sends, IDeliveryClaims claims, SendHalts halts, IDiskFullErrors diskFull, TimeProvider clock,
    ILogger<HaltRecorder> logger) : BackgroundService
{
    /// <summary>How often a pause still to be written is tried again: cheap (nothing is tried when there is none), and soon enough for an operator.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await RecordAsync(stoppingToken);
        }
    }

    private readonly Dictionary<long, string> _lastError = [];

    /// <summary>Tries once to write each pause still to be written.</summary>
    public async Task RecordAsync(CancellationToken cancellationToken)
    {
        foreach (var (sendId, reason, deliveryId) in halts.Unrecorded())
        {
            try
            {
                if (deliveryId is { } id)
                {
                    await claims.ReleaseAsync(id, "not sent: the disk is full", cancellationToken);
                }
                // False when an operator paused or cancelled the send meanwhile: theirs stands.
                var paused = await sends.PauseSendAsync(sendId, reason, cancellationToken);
                halts.Recorded(sendId);
                if (paused)
                {
                    LogRecorded(sendId, reason);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Still full (said once when the send stopped, in FullDiskStop): tried again in 2 s, not logged every 2 s. Another
                // error (the store unreachable, say) is said once per send and message, not every 2 s either.
                if (diskFull.Recognise(ex) is null && _lastError.GetValueOrDefault(sendId) != ex.Message)
                {
                    _lastError[sendId] = ex.Message;
                    LogNotRecorded(sendId, ex.Message);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Send {SendId} stopped on a full disk and its pause cannot be recorded yet ({Error}); trying again every 2 s")]
    private partial void LogNotRecorded(long sendId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Send {SendId} is now recorded as paused (the disk has room again): {Reason}")]
    private partial void LogRecorded(long sendId, string reason);
}
