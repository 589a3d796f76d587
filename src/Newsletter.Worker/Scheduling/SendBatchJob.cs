using Hangfire;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Sending;
using Newsletter.Worker.Sending;

namespace Newsletter.Worker.Scheduling;

/// <summary>
/// The Hangfire job that sends one batch of a send: loads the send, has <see cref="BatchSender"/> send the batch (every send
/// rule lives there), and schedules the batch again when its deferred deliveries fall due.
/// </summary>
/// <remarks>
/// Hangfire runs a job at least once, and the SQLite storage can hand one job to two workers; the engine's claims make that
/// harmless, and <see cref="BatchLeases"/> makes the later start leave a batch that a live worker is sending. Retries of
/// deferred deliveries are ours, not Hangfire's: Hangfire only retries a run that crashed on something unexpected (the store
/// unreachable, say).
/// </remarks>
[AutomaticRetry(Attempts = 5, DelaysInSeconds = [5, 30, 120, 600, 1800], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
public sealed partial class SendBatchJob(ISendStore sends, BatchSender sender, IListDisplayNames lists, WorkerHeartbeat worker, IBackgroundJobClient jobs,
    BatchLeases leases, IHostApplicationLifetime lifetime, ILogger<SendBatchJob> logger)
{
    /// <param name="jobCancellation">
    /// Hangfire's token, not used: Hangfire also cancels it when another worker fetches the same job (a run longer than the
    /// SQLite storage's invisibility timeout), which would stop the live run in favour of a second one that the lease turns
    /// away, and leave the batch idle until that one looks again. The run stops when the process stops.
    /// </param>
    public async Task RunAsync(long sendId, int batchNumber, CancellationToken jobCancellation)
    {
        var cancellationToken = lifetime.ApplicationStopping;
        using var lease = leases.TryTake(sendId, batchNumber);
        if (lease is null)
        {
            // Not simply done: if the holder dies, this later look is what carries its batch on.
            LogHeld(sendId, batchNumber, leases.LookAgainAfter);
            jobs.Schedule<SendBatchJob>(job => job.RunAsync(sendId, batchNumber, CancellationToken.None), leases.LookAgainAfter);
            return;
        }

        var send = await sends.GetSendAsync(sendId, cancellationToken)
            ?? throw new InvalidOperationException($"Send {sendId} is not in the delivery log.");
        var list = new ListIdentity(send.ListName, lists.DisplayNameOf(send.ListName));
        var outcome = await sender.SendAsync(send, list, batchNumber, worker.WorkerId, cancellationToken);
        if (outcome.RunAgainAt is { } due)
        {
            jobs.Schedule<SendBatchJob>(job => job.RunAsync(sendId, batchNumber, CancellationToken.None), due);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Send {SendId} batch {BatchNumber} is being sent by a live worker; this start looks again in {LookAgainAfter}")]
    private partial void LogHeld(long sendId, int batchNumber, TimeSpan lookAgainAfter);
}
