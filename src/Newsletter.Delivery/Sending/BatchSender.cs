using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newsletter.Core;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;
using Newsletter.Core.Monitoring;
using Newsletter.Delivery.Messages;
using Newsletter.Delivery.Transports;
using Newsletter.Rendering;

namespace Newsletter.Delivery.Sending;

/// <summary>
/// The send engine: sends one batch of a send over one pooled connection and decides, one rule per
/// <see cref="DeliveryFailure"/>, what each outcome does to the delivery, the connection and the send. Knows nothing of the
/// job system that runs it; the caller runs the batch again at <see cref="BatchOutcome.RunAgainAt"/>.
/// </summary>
/// <remarks>
/// <para>
/// A batch can run twice, even at the same moment (job systems run a job at least once), so every delivery is claimed in the
/// delivery log right before it is sent: whoever loses the claim skips it, and each connection has at most one claimed
/// delivery at a time. Each outcome is recorded as soon as it is known, and once the server may have the message it is
/// recorded even when the run is being cancelled.
/// </para>
/// <para>The rules, by outcome:</para>
/// <list type="bullet">
/// <item>2xx: sent, with the server's reply and the Message-ID.</item>
/// <item><see cref="DeliveryFailure.RecipientRefused"/>: failed, and the address suppressed; the connection goes on.</item>
/// <item><see cref="DeliveryFailure.MessageRefused"/>: failed, not suppressed (not the subscriber's fault); the connection goes on.</item>
/// <item><see cref="DeliveryFailure.MessageDeferred"/>: this delivery deferred with backoff; the connection goes on.</item>
/// <item><see cref="DeliveryFailure.Throttled"/>: deferred, and this connection is dropped and pauses, longer each time.</item>
/// <item><see cref="DeliveryFailure.ConnectionLost"/> (before or during DATA): deferred, reconnect; three in a row end the run.</item>
/// <item><see cref="DeliveryFailure.ReplyLost"/> (after DATA, cancellation included): deferred and marked uncertain.</item>
/// <item><see cref="DeliveryFailure.SenderRefused"/>, <see cref="DeliveryFailure.SessionRefused"/>: the delivery goes back to
/// pending and the send pauses with the reason: every message would fail the same way.</item>
/// <item>A deferral past the retry window: failed. Too many permanent failures (<see cref="ErrorBudget"/>): the send pauses.</item>
/// <item>A message that cannot be built: that subscriber's failure. An issue that cannot be rendered: the send pauses.</item>
/// <item>A full disk: the send halts and names the file. Cancellation before the message is out: back to pending.</item>
/// </list>
/// </remarks>
public sealed partial class BatchSender
{
    /// <summary>Retries due this soon are waited for in this run; later ones are left to the next run.</summary>
    private static readonly TimeSpan WaitInProcessFor = TimeSpan.FromSeconds(30);

    private readonly BatchStore _store;
    private readonly BatchMessages _messages;
    private readonly MailConnectionPool _connections;
    private readonly FullDiskStop _fullDisk;
    private readonly NewsletterMetrics _metrics;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly SendingOptions _options;
    private readonly ErrorBudgetCheck _errorBudget;
    private readonly IReadOnlyList<RateLimit> _rateLimits;

    public BatchSender(BatchStore store, BatchMessages messages, MailConnectionPool connections, FullDiskStop fullDisk,
        IOptions<SendingOptions> options, NewsletterMetrics metrics, TimeProvider clock, ILogger<BatchSender> logger)
    {
        _store = store;
        _messages = messages;
        _connections = connections;
        _fullDisk = fullDisk;
        _metrics = metrics;
        _clock = clock;
        _logger = logger;
        _options = options.Value;
        _errorBudget = new ErrorBudgetCheck(store.Progress, _options, clock);
        // Once, not per message: the limits do not change while the process runs.
        _rateLimits = _options.RateLimits();
    }

    /// <summary>
    /// Sends the batch's open deliveries, pass after pass while retries fall due within 30 seconds, and marks the send finished
    /// when nothing is left of it.
    /// </summary>
    /// <param name="send">The send as just read from the store (its state decides whether the first pass runs).</param>
    /// <param name="list">The list's identity, for the headers and the footer; its subscribers are in the delivery claims.</param>
    /// <param name="workerId">This process's id in claims, as its heartbeat registers it.</param>
    /// <exception cref="OperationCanceledException">Cancelled: the delivery in hand was recorded as the rules say (pending, or
    /// deferred as uncertain when the server may have it).</exception>
    public async Task<BatchOutcome> SendAsync(Send send, ListIdentity list, int batchNumber, string workerId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(send);
        ArgumentNullException.ThrowIfNull(list);
        var started = _clock.GetUtcNow();
        var run = new BatchRun(send, list, batchNumber, workerId);
        try
        {
            await RunPassesAsync(run, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && _fullDisk.Recognise(ex) is { } full)
        {
            // The database (or the job storage) is on a full disk. Retrying cannot help until someone frees space, and retries
            // would only make a waiting `publish` look stuck: stop, and say which file.
            await HaltForFullDiskAsync(run, full, claimedDeliveryId: null);
        }

        if (!run.Stopped)
        {
            LogBatchDone(send.IssueNumber, send.ListName, batchNumber, run.Sent, run.Failed, run.Deferred, run.Skipped, _clock.GetUtcNow() - started);
            await _store.Sends.TryMarkSendFinishedAsync(send.Id, cancellationToken);
        }
        return new BatchOutcome(run.Sent, run.Failed, run.Deferred, run.Skipped, run.Stopped, run.Stopped ? null : run.RunAgainAt);
    }

    /// <summary>Sends the batch's open deliveries, pass after pass while retries fall due soon.</summary>
    private async Task RunPassesAsync(BatchRun run, CancellationToken cancellationToken)
    {
        var send = run.Send;
        for (var pass = 0; ; pass++)
        {
            // The caller has just read the send: the first pass goes by that; each later pass (after a wait) reads it again,
            // since an operator may have paused or cancelled it meanwhile. Every claim also checks the send's state.
            var current = pass == 0 ? send : await _store.Sends.GetSendAsync(send.Id, cancellationToken);
            if (current?.State is not (SendState.Scheduled or SendState.Running))
            {
                run.Stopped = true;
                LogSendStopped(send.IssueNumber, run.BatchNumber, current?.State ?? SendState.Cancelled);
                return;
            }

            var batch = await _store.Claims.GetBatchAsync(send.Id, run.BatchNumber, cancellationToken);
            if (!batch.Any(d => d.State is DeliveryState.Pending or DeliveryState.Deferred))
            {
                return;
            }

            EncodedIssueBody body;
            try
            {
                body = await _messages.Bodies.GetBodyAsync(send.IssueNumber, run.List, cancellationToken);
            }
            catch (TemplateException ex)
            {
                // The templates changed after the send was queued (the queuing process rendered them). Every batch would fail
                // the same way, and retries would only hide it for hours: pause the send with the reason instead.
                await PauseAsync(run, $"the issue could not be rendered, so nothing more is sent: {ex.Message} Then resume with " +
                                      $"`newsletter send {send.IssueNumber} --list {send.ListName} --resume`.");
                return;
            }

            // Before the first claim of the pass, so a claim is never older than its worker's heartbeat.
            await _store.Heartbeats.HeartbeatAsync(run.WorkerId, cancellationToken);
            run.StartPass();
            await using (var lease = await _connections.RentAsync(cancellationToken))
            // This connection's claims and outcomes on one database connection: one commit per message (IDeliveryClaimSession).
            await using (var session = await _store.Claims.OpenSessionAsync(run.WorkerId, cancellationToken))
            {
                run.Claims = session;
                foreach (var delivery in batch)
                {
                    if (delivery.State is not (DeliveryState.Pending or DeliveryState.Deferred))
                    {
                        continue;
                    }
                    if (delivery is { State: DeliveryState.Deferred, NextAttemptAt: { } due } && due > _clock.GetUtcNow())
                    {
                        run.Later(due);
                        continue;
                    }
                    if (!await SendOneAsync(run, delivery, body, lease, cancellationToken))
                    {
                        break;
                    }
                }
            }

            if (run.Stopped || run.NextDue is not { } nextDue)
            {
                return;
            }

            var wait = nextDue - _clock.GetUtcNow();
            if (wait > WaitInProcessFor)
            {
                // Deferred deliveries are ours to retry: the batch runs again when the first of them is due.
                run.RunAgainAt = nextDue;
                return;
            }
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, _clock, cancellationToken);
            }
        }
    }

    /// <summary>Claims, sends and records one delivery. Returns false when the batch must stop.</summary>
    private async Task<bool> SendOneAsync(BatchRun run, Core.Deliveries.Delivery delivery, EncodedIssueBody body, MailConnectionPool.Lease lease,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_rateLimits.Count > 0)
        {
            await WaitForRateLimitAsync(run, cancellationToken);
        }

        switch (await run.Claims.TryClaimAsync(delivery.Id, cancellationToken))
        {
            case ClaimResult.NotAvailable:
                run.Skipped++;
                return true;
            case ClaimResult.Suppressed:
                run.Skipped++;
                _metrics.Suppressed(run.Send.ListName);
                return true;
            case ClaimResult.SendStopped:
                run.Stopped = true;
                LogSendStopped(run.Send.IssueNumber, run.BatchNumber, SendState.Paused);
                return false;
        }

        OutgoingMessage message;
        try
        {
            message = _messages.Builder.Build(body, run.List, new Subscriber(delivery.Email, delivery.Name));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A message that cannot be built for one subscriber is that subscriber's failure, not the batch's.
            await run.Claims.RecordFailedAsync(delivery.Id, $"could not build the message: {ex.Message}", CancellationToken.None);
            _metrics.Failed(run.Send.ListName, NewsletterMetrics.FailureReason.Unbuildable);
            run.Failed++;
            return await WithinErrorBudgetAsync(run, cancellationToken);
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var reply = await lease.SendAsync(message, cancellationToken);
                // Once the server has the message, the outcome is recorded even if we are shutting down.
                await run.Claims.RecordSentAsync(delivery.Id, reply, message.Message.MessageId, CancellationToken.None);
                _metrics.Sent(run.Send.ListName);
                run.Sent++;
                run.ConnectionFailures = 0;
                run.Throttles = 0;
                return true;
            }
            catch (DeliveryException ex) when (attempt == 1 && lease.IsReused && ex is { Failure: DeliveryFailure.ConnectionLost, ReplyCode: null })
            {
                // A pooled connection the server closed while it sat idle: try once more on a fresh one, no harm done.
                await lease.DiscardAsync();
            }
            catch (DeliveryException ex)
            {
                if (!ex.SessionIsUsable)
                {
                    await lease.DiscardAsync();
                }
                return await ApplyAsync(run, delivery, ex, cancellationToken);
            }
            catch (DiskFullException ex)
            {
                await lease.DiscardAsync();
                await HaltForFullDiskAsync(run, ex, delivery.Id);
                return false;
            }
            catch (OperationCanceledException)
            {
                // Stopping before the message was out (the transport reports ReplyLost once it was): back to pending.
                await lease.DiscardAsync();
                await run.Claims.ReleaseAsync(delivery.Id, "the worker stopped before the send completed", CancellationToken.None);
                throw;
            }
        }
    }

    /// <summary>Carries out the rule (<see cref="SendOutcomePolicy"/>) for a failure the transport reports. Returns false when the batch must stop.</summary>
    private async Task<bool> ApplyAsync(BatchRun run, Core.Deliveries.Delivery delivery, DeliveryException ex, CancellationToken cancellationToken)
    {
        var send = run.Send;
        var rule = SendOutcomePolicy.For(ex.Failure);
        switch (rule.Delivery)
        {
            case DeliveryAction.Fail or DeliveryAction.FailAndSuppress:
                await run.Claims.RecordFailedAsync(delivery.Id, ex.Message, CancellationToken.None);
                if (rule.Delivery is DeliveryAction.FailAndSuppress)
                {
                    await _store.Suppressions.AddAsync(delivery.Email, null, SuppressionReason.Refused, ex.Message, CancellationToken.None);
                }
                LogRejected(send.IssueNumber, delivery.Email, ex.Message);
                _metrics.Failed(send.ListName, rule.Delivery is DeliveryAction.FailAndSuppress
                    ? NewsletterMetrics.FailureReason.RecipientRefused
                    : NewsletterMetrics.FailureReason.MessageRefused);
                run.Failed++;
                return await WithinErrorBudgetAsync(run, cancellationToken);

            case DeliveryAction.Release:
                await run.Claims.ReleaseAsync(delivery.Id, ex.Message, CancellationToken.None);
                await PauseAsync(run, ex.Failure is DeliveryFailure.SenderRefused
                    ? $"the SMTP server refused us, not a subscriber: {ex.Message}. Fix the SMTP settings, then " +
                      $"`newsletter send {send.IssueNumber} --list {send.ListName} --resume`."
                    : $"{ex.Message} Then `newsletter send {send.IssueNumber} --list {send.ListName} --resume` " +
                      "(`newsletter check` tests the settings without sending).");
                return false;

            default:
                return await DeferAsync(run, delivery, ex, rule, cancellationToken);
        }
    }

    /// <summary>Records a transient failure of one delivery as <paramref name="rule"/> says; returns false when the batch must stop.</summary>
    private async Task<bool> DeferAsync(BatchRun run, Core.Deliveries.Delivery delivery, DeliveryException ex, OutcomeRule rule, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        var throttled = rule.Connection is ConnectionAction.BackOff;
        if (SendOutcomePolicy.RetryWindowPassed(delivery.FirstAttemptAt ?? now, now, _options.RetryWindow))
        {
            await run.Claims.RecordFailedAsync(delivery.Id, $"gave up after {_options.RetryWindowHours:0.##} h of retries: {ex.Message}", CancellationToken.None);
            _metrics.Failed(run.Send.ListName, NewsletterMetrics.FailureReason.RetriesExhausted);
            run.Failed++;
            return await WithinErrorBudgetAsync(run, cancellationToken);
        }

        var due = now + _options.RetryDelay(delivery.Attempts + 1);
        await run.Claims.RecordDeferredAsync(delivery.Id, ex.Message, due, uncertain: rule.Delivery is DeliveryAction.DeferUncertain, CancellationToken.None);
        _metrics.Deferred(run.Send.ListName, throttled, ex.ReplyCode);
        run.Deferred++;
        run.Later(due);
        LogDeferred(run.Send.IssueNumber, delivery.Email, ex.Message, due);
        if (rule.Connection is ConnectionAction.GoOn)
        {
            return true;
        }

        if (throttled)
        {
            // The server asks us to slow down: this connection backs off, longer each time it is asked again.
            var pause = SendOutcomePolicy.ThrottlePause(_options.ThrottlePauseSeconds, run.Throttles++);
            LogThrottled(run.Send.IssueNumber, ex.ReplyCode ?? 0, pause);
            await Task.Delay(pause, _clock, cancellationToken);
        }

        if (SendOutcomePolicy.GivesUp(++run.ConnectionFailures))
        {
            // The server is unwell; leave the rest of the batch for the next run instead of hammering it.
            LogGivingUp(run.Send.IssueNumber, run.BatchNumber, run.ConnectionFailures);
            return false;
        }
        return true;
    }

    private async Task<bool> WithinErrorBudgetAsync(BatchRun run, CancellationToken cancellationToken)
    {
        if (await _errorBudget.ExceededAsync(run, cancellationToken) is not { } reason)
        {
            return true;
        }
        await PauseAsync(run, reason);
        return false;
    }

    /// <summary>Stops the send because a disk is full (<see cref="FullDiskStop"/>): this run ends.</summary>
    private async Task HaltForFullDiskAsync(BatchRun run, DiskFullException full, long? claimedDeliveryId)
    {
        run.Stopped = true;
        await _fullDisk.StopAsync(run.Send, full, claimedDeliveryId);
    }

    private async Task PauseAsync(BatchRun run, string reason)
    {
        run.Stopped = true;
        if (await _store.Sends.PauseSendAsync(run.Send.Id, reason, CancellationToken.None))
        {
            LogPaused(run.Send.IssueNumber, run.Send.ListName, reason);
        }
    }

    private async Task WaitForRateLimitAsync(BatchRun run, CancellationToken cancellationToken)
    {
        while (await _store.RateLimiter.TryAcquireAsync(_connections.Destination, _rateLimits, cancellationToken) is { } wait && wait > TimeSpan.Zero)
        {
            // The previous message's "sent" is written before waiting, so a crash during the wait cannot send it again.
            await run.Claims.FlushAsync(cancellationToken);
            await Task.Delay(wait, _clock, cancellationToken);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Issue #{IssueNumber} to {ListName} batch {BatchNumber}: {Sent} sent, {Failed} failed, {Deferred} deferred, {Skipped} skipped in {Elapsed}")]
    private partial void LogBatchDone(int issueNumber, string listName, int batchNumber, int sent, int failed, int deferred, int skipped, TimeSpan elapsed);
}
