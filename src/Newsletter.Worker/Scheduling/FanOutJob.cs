using Hangfire;
using Newsletter.Core.Deliveries;

namespace Newsletter.Worker.Scheduling;

/// <summary>Starts a send: queues one <see cref="SendBatchJob"/> per batch of the send's deliveries.</summary>
/// <remarks>
/// Running it twice queues the batches twice, which costs a little work and mails no one twice:
/// each batch claims every delivery before sending it.
/// </remarks>
[AutomaticRetry(Attempts = 3, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
public sealed partial class FanOutJob(ISendStore log, IBackgroundJobClient jobs, ILogger<FanOutJob> logger)
{
    /// <exception cref="InvalidOperationException">The send does not exist.</exception>
    public async Task RunAsync(long sendId, CancellationToken cancellationToken)
    {
        var send = await log.GetSendAsync(sendId, cancellationToken)
            ?? throw new InvalidOperationException($"Send {sendId} is not in the delivery log.");
        await log.MarkSendStartedAsync(sendId, cancellationToken);

        for (var batch = 0; batch < send.BatchCount; batch++)
        {
            var batchNumber = batch;
            jobs.Enqueue<SendBatchJob>(job => job.RunAsync(sendId, batchNumber, CancellationToken.None));
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
