using Hangfire;
using Newsletter.Core.Deliveries;
using Newsletter.Delivery.Sending;

namespace Newsletter.Worker.Scheduling;

/// <summary>Starts a send: queues one <see cref="SendBatchJob"/> per batch of the send's deliveries.</summary>
/// <remarks>
/// Running it twice queues the batches twice, which costs a little work and mails no one twice:
/// each batch claims every delivery before sending it.
/// </remarks>
[AutomaticRetry(Attempts = 3, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
public sealed partial class FanOutJob(ISendStore log, IBackgroundJobClient jobs, FullDiskStop fullDisk, ILogger<FanOutJob> logger)
{
    /// <exception cref="InvalidOperationException">The send does not exist.</exception>
    public async Task RunAsync(long sendId, CancellationToken cancellationToken)
    {
        var send = await log.GetSendAsync(sendId, cancellationToken)
            ?? throw new InvalidOperationException($"Send {sendId} is not in the delivery log.");
        try
        {
            await log.MarkSendStartedAsync(sendId, cancellationToken);
            for (var batch = 0; batch < send.BatchCount; batch++)
            {
                var batchNumber = batch;
                jobs.Enqueue<SendBatchJob>(job => job.RunAsync(sendId, batchNumber, CancellationToken.None));
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException && fullDisk.Recognise(ex) is { } full)
        {
            // The store or the job database is on a full disk. Hangfire's retries cannot help until someone frees space, and
            // would leave the send "running" with some of its batches never queued: pause it, naming the file. The batches
            // already queued find it paused; `send --resume` queues them all again (claims skip what was sent).
            await fullDisk.StopAsync(send, full, claimedDeliveryId: null);
            return;
        }

        LogFannedOut(send.IssueNumber, send.ListName, send.BatchCount, send.RecipientCount);
        if (send.BatchCount == 0)
        {
            await log.TryMarkSendFinishedAsync(sendId, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Issue #{IssueNumber} to list {ListName}: queued {BatchCount} batches for {RecipientCount} recipients")]
    private partial void LogFannedOut(int issueNumber, string listName, int batchCount, int recipientCount);
}
