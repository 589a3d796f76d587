using Newsletter.Core.Monitoring;
using Hangfire;
using Microsoft.Extensions.Options;
using Newsletter.Core;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Messages;
using Newsletter.Delivery.Transports;
using Newsletter.Worker.Lists;
using Newsletter.Worker.Monitoring;
using Newsletter.Worker.Sending;

namespace Newsletter.Worker.Scheduling;

/// <summary>
/// Sends one batch of a send over one pooled connection, recording each outcome as soon as it is known.
/// </summary>
/// <remarks>
/// Hangfire runs a job at least once, and the SQLite storage can hand one job to two workers, so every delivery is
/// claimed in the delivery log right before it is sent: whoever loses the claim skips it, and each connection has at
/// most one claimed delivery at a time. Outcomes: 2xx sent; 5xx failed (and the address suppressed when the
/// recipient was refused); 4xx, a dropped connection or a timeout deferred with backoff, and this batch is scheduled
/// again for when the first deferred delivery is due. Retries are ours, not Hangfire's: Hangfire only retries a run that
/// crashed on something unexpected (the store unreachable, say).
/// </remarks>
[AutomaticRetry(Attempts = 5, DelaysInSeconds = [5, 30, 120, 600, 1800], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
public sealed partial class SendBatchJob(
    ISendStore sends,
    IDeliveryClaims log,
    IDeliveryProgress progress,
    ISuppressionList suppressions,
    IRateLimiter rateLimiter,
    RenderedIssueCache renders,
    MailingListCatalog lists,
    IssueMessageBuilder messages,
    MailConnectionPool connections,
    WorkerHeartbeat worker,
    IBackgroundJobClient jobs,
    DiskFullErrors diskFull,
    SendHalts halts,
    IOptions<SendingOptions> sendingOptions,
    IOptions<DeliveryOptions> deliveryOptions,
    NewsletterMetrics metrics,
    TimeProvider clock,
    ILogger<SendBatchJob> logger)
{
    /// <summary>A connection that fails this many times in a row ends the run; its deliveries are deferred.</summary>
    private const int ConnectionFailuresBeforeGivingUp = 3;

    private SendingOptions Options => sendingOptions.Value;

    private static readonly TimeSpan ErrorBudgetCheckInterval = TimeSpan.FromSeconds(1);

    /// <summary>Retries due this soon are waited for in this run; later ones are left to a scheduled run.</summary>
    private static readonly TimeSpan WaitInProcessFor = TimeSpan.FromSeconds(30);

    public async Task RunAsync(long sendId, int batchNumber, CancellationToken cancellationToken)
    {
        var started = clock.GetUtcNow();
        var send = await sends.GetSendAsync(sendId, cancellationToken)
            ?? throw new InvalidOperationException($"Send {sendId} is not in the delivery log.");
        var list = new MailingList(send.ListName, lists.DisplayNameOf(send.ListName), []);
        var run = new BatchRun(send, batchNumber);
        try
        {
            if (!await RunPassesAsync(run, list, cancellationToken))
            {
                return;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException && diskFull.Recognise(ex) is { } full)
        {
            // The database (or Hangfire's) is on a full disk. Retrying cannot help until someone frees space, and Hangfire's
            // retries would only make a waiting `publish` look stuck: stop, and say which file.
            await HaltForFullDiskAsync(run, full, claimedDeliveryId: null);
            return;
        }

        LogBatchDone(send.IssueNumber, send.ListName, batchNumber, run.Sent, run.Failed, run.Deferred, run.Skipped, clock.GetUtcNow() - started);
        await sends.TryMarkSendFinishedAsync(sendId, cancellationToken);
    }

    /// <summary>Sends the batch's open deliveries, pass after pass while retries fall due soon. False: the send was stopped before it.</summary>
    private async Task<bool> RunPassesAsync(BatchRun run, MailingList list, CancellationToken cancellationToken)
    {
        var send = run.Send;
        var (sendId, batchNumber) = (send.Id, run.BatchNumber);
        while (true)
        {
            var current = await sends.GetSendAsync(sendId, cancellationToken);
            if (current?.State is not (SendState.Scheduled or SendState.Running))
            {
                LogSendStopped(send.IssueNumber, batchNumber, current?.State ?? SendState.Cancelled);
                return false;
            }

            var open = (await log.GetBatchAsync(sendId, batchNumber, cancellationToken))
                .Where(d => d.State is DeliveryState.Pending or DeliveryState.Deferred)
                .ToList();
            if (open.Count == 0)
            {
                break;
            }

            EncodedIssueBody body;
            try
            {
                body = await renders.GetBodyAsync(send.IssueNumber, list, cancellationToken);
            }
            catch (Rendering.TemplateException ex)
            {
                // The templates changed after the send was queued (the queuing process rendered them). Every batch would fail
                // the same way, and Hangfire's retries would only hide it for hours: pause the send with the reason instead.
                await PauseAsync(run, $"the issue could not be rendered, so nothing more is sent: {ex.Message} Then resume with " +
                                      $"`newsletter send {send.IssueNumber} --list {send.ListName} --resume`.");
                break;
            }
            await worker.BeatAsync(cancellationToken);
            run.StartPass();
            await using (var lease = await connections.RentAsync(cancellationToken))
            {
                foreach (var delivery in open)
                {
                    if (delivery is { State: DeliveryState.Deferred, NextAttemptAt: { } due } && due > clock.GetUtcNow())
                    {
                        run.Later(due);
                        continue;
                    }

                    if (!await SendOneAsync(run, delivery, body, list, lease, cancellationToken))
                    {
                        break;
                    }
                }
            }

            if (run.Stopped || run.NextDue is not { } nextDue)
            {
                break;
            }

            var wait = nextDue - clock.GetUtcNow();
            if (wait > WaitInProcessFor)
            {
                // Deferred deliveries are ours to retry: this batch runs again when the first of them is due.
                jobs.Schedule<SendBatchJob>(job => job.RunAsync(sendId, batchNumber, CancellationToken.None), nextDue);
                break;
            }
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, clock, cancellationToken);
            }
        }
        return true;
    }

    /// <summary>Claims, sends and records one delivery. Returns false when the batch must stop.</summary>
    private async Task<bool> SendOneAsync(BatchRun run, Core.Deliveries.Delivery delivery, EncodedIssueBody body, MailingList list,
        MailConnectionPool.Lease lease, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await WaitForRateLimitAsync(cancellationToken);

        switch (await log.TryClaimAsync(delivery.Id, worker.WorkerId, cancellationToken))
        {
            case ClaimResult.NotAvailable:
                run.Skipped++;
                return true;
            case ClaimResult.Suppressed:
                run.Skipped++;
                metrics.Suppressed(run.Send.ListName);
                return true;
            case ClaimResult.SendStopped:
                run.Stopped = true;
                LogSendStopped(run.Send.IssueNumber, run.BatchNumber, SendState.Paused);
                return false;
        }

        var subscriber = new Subscriber(delivery.Email, delivery.Name);
        OutgoingMessage message;
        try
        {
            message = messages.Build(body, list, subscriber);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A message that cannot be built for one subscriber is that subscriber's failure, not the batch's.
            await log.RecordFailedAsync(delivery.Id, $"could not build the message: {ex.Message}", CancellationToken.None);
            metrics.Failed(run.Send.ListName, NewsletterMetrics.FailureReason.Unbuildable);
            run.Failed++;
            return await WithinErrorBudgetAsync(run, cancellationToken);
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var session = await lease.SessionAsync(cancellationToken);
                var reply = await SendTimedAsync(session, message, cancellationToken);
                // Once the server has the message, the outcome is recorded even if we are shutting down.
                await log.RecordSentAsync(delivery.Id, reply, message.Message.MessageId, CancellationToken.None);
                metrics.Sent(run.Send.ListName);
                run.Sent++;
                run.ConnectionFailures = 0;
                run.Throttles = 0;
                return true;
            }
            catch (TransientDeliveryException ex) when (attempt == 1 && lease.IsReused && !ex.MayHaveBeenAccepted && ex.ReplyCode is null)
            {
                // A pooled connection the server closed while it sat idle: try once more on a fresh one, no harm done.
                await lease.DiscardAsync();
            }
            catch (RecipientRejectedException ex)
            {
                await log.RecordFailedAsync(delivery.Id, ex.Message, CancellationToken.None);
                await suppressions.AddAsync(delivery.Email, null, SuppressionReason.Refused, ex.Message, CancellationToken.None);
                LogRejected(run.Send.IssueNumber, delivery.Email, ex.Message);
                metrics.Failed(run.Send.ListName, NewsletterMetrics.FailureReason.RecipientRefused);
                run.Failed++;
                return await WithinErrorBudgetAsync(run, cancellationToken);
            }
            catch (MessageRejectedException ex)
            {
                // The message itself was refused (e.g. 552 too big): not the subscriber's fault, so no suppression.
                await log.RecordFailedAsync(delivery.Id, ex.Message, CancellationToken.None);
                LogRejected(run.Send.IssueNumber, delivery.Email, ex.Message);
                metrics.Failed(run.Send.ListName, NewsletterMetrics.FailureReason.MessageRefused);
                run.Failed++;
                return await WithinErrorBudgetAsync(run, cancellationToken);
            }
            catch (DiskFullException ex)
            {
                await lease.DiscardAsync();
                await HaltForFullDiskAsync(run, ex, delivery.Id);
                return false;
            }
            catch (SessionRefusedException ex)
            {
                // A refused login, a certificate that fails validation or a relay without the required STARTTLS would fail every
                // message the same way, and waiting does not fix it: stop, and say why and what to change.
                await log.ReleaseAsync(delivery.Id, ex.Message, CancellationToken.None);
                await lease.DiscardAsync();
                await PauseAsync(run, $"{ex.Message} Then `newsletter send {run.Send.IssueNumber} --list {run.Send.ListName} --resume` " +
                                      "(`newsletter check` tests the settings without sending).");
                return false;
            }
            catch (TransientDeliveryException ex) when (IsSenderMisconfigured(ex))
            {
                // A refused sender would fail every message the same way: stop and say why.
                await log.ReleaseAsync(delivery.Id, ex.Message, CancellationToken.None);
                await lease.DiscardAsync();
                await PauseAsync(run, $"the SMTP server refused us, not a subscriber: {ex.Message}. Fix the SMTP settings, then " +
                                      $"`newsletter send {run.Send.IssueNumber} --list {run.Send.ListName} --resume`.");
                return false;
            }
            catch (MessageDeferredException ex)
            {
                // This recipient's transient failure: it waits for its retry, the connection goes on with the next one.
                return await DeferAsync(run, delivery, ex.Message, mayHaveBeenAccepted: false, connectionFault: false, throttled: false, cancellationToken,
                    ex.ReplyCode);
            }
            catch (TransientDeliveryException ex)
            {
                await lease.DiscardAsync();
                return await DeferAsync(run, delivery, ex.Message, ex.MayHaveBeenAccepted, connectionFault: true, ex.IsThrottling, cancellationToken,
                    ex.ReplyCode);
            }
            catch (OperationCanceledException)
            {
                // Stopping: the message did not complete, so it goes back to pending for the next run.
                await lease.DiscardAsync();
                await log.ReleaseAsync(delivery.Id, "the worker stopped before the send completed", CancellationToken.None);
                throw;
            }
        }
    }

    /// <summary>Hands the message to the session, timing the server's final reply (SMTP only: a pickup write is no reply).</summary>
    private async Task<string> SendTimedAsync(IMailTransportSession session, OutgoingMessage message, CancellationToken cancellationToken)
    {
        var timed = deliveryOptions.Value.Transport == MailTransportKind.Smtp;
        var handedOver = clock.GetTimestamp();
        try
        {
            var reply = await session.SendAsync(message.Message, message.EnvelopeSender, cancellationToken);
            if (timed) metrics.SmtpReply(clock.GetElapsedTime(handedOver), replyCode: 250); // any 2xx: the session returns the text only
            return reply;
        }
        catch (DeliveryException ex)
        {
            if (timed) metrics.SmtpReply(clock.GetElapsedTime(handedOver), ex.ReplyCode);
            throw;
        }
    }

    /// <summary>Records a transient failure of one delivery; returns false when the batch must stop.</summary>
    /// <param name="connectionFault">The connection failed or was throttled (not only this message): it counts towards giving up.</param>
    /// <param name="throttled">The server asked us to slow down (421 or an x.7.x status): this connection backs off.</param>
    private async Task<bool> DeferAsync(BatchRun run, Core.Deliveries.Delivery delivery, string reason, bool mayHaveBeenAccepted, bool connectionFault,
        bool throttled, CancellationToken cancellationToken, int? replyCode = null)
    {
        var now = clock.GetUtcNow();
        var firstAttempt = delivery.FirstAttemptAt ?? now;
        if (now - firstAttempt >= Options.RetryWindow)
        {
            await log.RecordFailedAsync(delivery.Id, $"gave up after {Options.RetryWindowHours:0.##} h of retries: {reason}", CancellationToken.None);
            metrics.Failed(run.Send.ListName, NewsletterMetrics.FailureReason.RetriesExhausted);
            run.Failed++;
            return await WithinErrorBudgetAsync(run, cancellationToken);
        }

        var due = now + Options.RetryDelay(delivery.Attempts + 1);
        await log.RecordDeferredAsync(delivery.Id, reason, due, mayHaveBeenAccepted, CancellationToken.None);
        metrics.Deferred(run.Send.ListName, throttled, replyCode);
        run.Deferred++;
        run.Later(due);
        LogDeferred(run.Send.IssueNumber, delivery.Email, reason, due);
        if (!connectionFault)
        {
            return true;
        }

        if (throttled)
        {
            // The server asks us to slow down: this connection backs off, longer each time it is asked again.
            var pause = TimeSpan.FromSeconds(Math.Min(Options.ThrottlePauseSeconds * Math.Pow(2, run.Throttles++), 120));
            LogThrottled(run.Send.IssueNumber, replyCode ?? 0, pause);
            await Task.Delay(pause, clock, cancellationToken);
        }

        if (++run.ConnectionFailures >= ConnectionFailuresBeforeGivingUp)
        {
            // The server is unwell; leave the rest of the batch for the scheduled retry instead of hammering it.
            LogGivingUp(run.Send.IssueNumber, run.BatchNumber, run.ConnectionFailures);
            run.Later(due);
            return false;
        }
        return true;
    }

    private async Task<bool> WithinErrorBudgetAsync(BatchRun run, CancellationToken cancellationToken)
    {
        // Counting the whole send on every failure made a large send with many (tolerated) failures quadratic. The first
        // failures of a run are always checked, so a broken send stops early; after that, once a second is enough.
        var now = clock.GetUtcNow();
        if (run.Failed > Options.ErrorBudgetMinimumAttempts && now - run.LastBudgetCheck < ErrorBudgetCheckInterval)
        {
            return true;
        }
        run.LastBudgetCheck = now;

        var counts = await progress.CountAsync(run.Send.IssueNumber, run.Send.Id, cancellationToken);
        var tried = counts.Sent + counts.Failed;
        if (!new ErrorBudget(Options.ErrorBudget, Options.ErrorBudgetMinimumAttempts).IsExceeded(counts.Failed, tried))
        {
            return true;
        }

        await PauseAsync(run, $"{counts.Failed} of {tried} messages failed permanently: with 99% confidence more than the error budget of " +
                              $"{Options.ErrorBudget:P0} (Newsletter:Sending:ErrorBudget). See `newsletter status {run.Send.IssueNumber}`; resume with " +
                              $"`newsletter send {run.Send.IssueNumber} --list {run.Send.ListName} --resume`.");
        return false;
    }

    /// <summary>
    /// Stops the send because a disk is full: the claimed delivery (not written) goes back to pending, the send pauses with a
    /// reason naming the full file or folder, and this process's <see cref="SendWatcher"/> learns it even if the database
    /// itself is on the full disk and cannot record the pause.
    /// </summary>
    private async Task HaltForFullDiskAsync(BatchRun run, DiskFullException full, long? claimedDeliveryId)
    {
        var reason = $"{full.Message} Nothing was lost: what was not sent waits, pending. Once there is space, resume with " +
                     $"`newsletter send {run.Send.IssueNumber} --list {run.Send.ListName} --resume`.";
        run.Stopped = true;
        halts.Halt(run.Send.Id, reason);
        try
        {
            if (claimedDeliveryId is { } id)
            {
                await log.ReleaseAsync(id, "not sent: the disk is full", CancellationToken.None);
            }
            await PauseAsync(run, reason);
        }
        catch (Exception ex) when (diskFull.Recognise(ex) is not null)
        {
            // The database is on a full disk too. A delivery left claimed is returned to pending by the next
            // `send --resume` once this process's heartbeat is old, like one from a crashed worker.
            LogPauseNotRecorded(run.Send.IssueNumber, run.Send.ListName, reason);
        }
    }

    private async Task PauseAsync(BatchRun run, string reason)
    {
        run.Stopped = true;
        if (await sends.PauseSendAsync(run.Send.Id, reason, CancellationToken.None))
        {
            LogPaused(run.Send.IssueNumber, run.Send.ListName, reason);
        }
    }

    private async Task WaitForRateLimitAsync(CancellationToken cancellationToken)
    {
        var limits = RateLimits();
        if (limits.Count == 0)
        {
            return;
        }
        while (await rateLimiter.TryAcquireAsync(connections.Destination, limits, cancellationToken) is { } wait && wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, clock, cancellationToken);
        }
    }

    private List<RateLimit> RateLimits()
    {
        var limits = new List<RateLimit>(3);
        if (Options.PerSecond is { } perSecond) limits.Add(new RateLimit(perSecond, TimeSpan.FromSeconds(1)));
        if (Options.PerMinute is { } perMinute) limits.Add(new RateLimit(perMinute, TimeSpan.FromMinutes(1)));
        if (Options.PerHour is { } perHour) limits.Add(new RateLimit(perHour, TimeSpan.FromHours(1)));
        return limits;
    }

    private static bool IsSenderMisconfigured(TransientDeliveryException ex) => ex.ReplyCode is >= 500 and < 600;

    /// <summary>What one run of a batch did, and when its deferred deliveries are next due.</summary>
    private sealed class BatchRun(Send send, int batchNumber)
    {
        public Send Send { get; } = send;
        public int BatchNumber { get; } = batchNumber;
        public int Sent, Failed, Deferred, Skipped, ConnectionFailures, Throttles;
        public bool Stopped;
        public DateTimeOffset LastBudgetCheck;
        public DateTimeOffset? NextDue { get; private set; }

        public void Later(DateTimeOffset due) => NextDue = NextDue is { } known && known <= due ? known : due;

        /// <summary>Starts another pass over the batch: the earliest due time is recomputed from what is still deferred.</summary>
        public void StartPass()
        {
            NextDue = null;
            ConnectionFailures = 0;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Issue #{IssueNumber} batch {BatchNumber}: the send is {State}; nothing sent")]
    private partial void LogSendStopped(int issueNumber, int batchNumber, SendState state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Issue #{IssueNumber}: {Email} refused: {Reason}")]
    private partial void LogRejected(int issueNumber, string email, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Issue #{IssueNumber}: {Email} deferred until {Due:u}: {Reason}")]
    private partial void LogDeferred(int issueNumber, string email, string reason, DateTimeOffset due);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Issue #{IssueNumber}: the server throttles us ({Code}); this connection pauses {Pause}")]
    private partial void LogThrottled(int issueNumber, int code, TimeSpan pause);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Issue #{IssueNumber} batch {BatchNumber}: {Failures} connection failures in a row; the rest of the batch waits for its retry")]
    private partial void LogGivingUp(int issueNumber, int batchNumber, int failures);

    [LoggerMessage(Level = LogLevel.Error, Message = "Issue #{IssueNumber} to {ListName} paused: {Reason}")]
    private partial void LogPaused(int issueNumber, string listName, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Issue #{IssueNumber} to {ListName} stopped, and the database could not record the pause: {Reason}")]
    private partial void LogPauseNotRecorded(int issueNumber, string listName, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Issue #{IssueNumber} to {ListName} batch {BatchNumber}: {Sent} sent, {Failed} failed, {Deferred} deferred, {Skipped} skipped in {Elapsed}")]
    private partial void LogBatchDone(int issueNumber, string listName, int batchNumber, int sent, int failed, int deferred, int skipped, TimeSpan elapsed);
}
