using Hangfire;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Sending;
using Newsletter.OperatorFiles.Lists;
using Newsletter.Worker.Sending;

namespace Newsletter.Worker.Scheduling;

/// <summary>
/// The Hangfire job that sends one batch of a send: loads the send, has <see cref="BatchSender"/> send the batch (every send
/// rule lives there), and schedules the batch again when its deferred deliveries fall due.
/// </summary>
/// <remarks>
/// Hangfire runs a job at least once, and the SQLite storage can hand one job to two workers; the engine's claims make that
/// harmless. Retries of deferred deliveries are ours, not Hangfire's: Hangfire only retries a run that crashed on something
/// unexpected (the store unreachable, say).
/// </remarks>
[AutomaticRetry(Attempts = 5, DelaysInSeconds = [5, 30, 120, 600, 1800], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
public sealed class SendBatchJob(ISendStore sends, BatchSender sender, MailingListCatalog lists, WorkerHeartbeat worker, IBackgroundJobClient jobs)
{
    public async Task RunAsync(long sendId, int batchNumber, CancellationToken cancellationToken)
    {
        var send = await sends.GetSendAsync(sendId, cancellationToken)
            ?? throw new InvalidOperationException($"Send {sendId} is not in the delivery log.");
        var list = new ListIdentity(send.ListName, lists.DisplayNameOf(send.ListName));
        var outcome = await sender.SendAsync(send, list, batchNumber, worker.WorkerId, cancellationToken);
        if (outcome.RunAgainAt is { } due)
        {
            jobs.Schedule<SendBatchJob>(job => job.RunAsync(sendId, batchNumber, CancellationToken.None), due);
        }
    }
}
