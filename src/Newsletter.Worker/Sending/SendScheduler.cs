using Newsletter.Delivery.Sending;
using Newsletter.Core.Monitoring;
using Hangfire;
using Microsoft.Extensions.Options;
using Newsletter.Core.Composition;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Transports;
using Newsletter.Rendering;
using Newsletter.Worker.Monitoring;
using Newsletter.Worker.Scheduling;

namespace Newsletter.Worker.Sending;

/// <summary>Records a send's deliveries, queues (or schedules) its fan-out job, and carries out operators' pause, resume and cancel.</summary>
public sealed partial class SendScheduler(
    ISendStore log,
    IDeliveryProgress progress,
    IIssueStore issues,
    IBackgroundJobClient jobs,
    WorkerHeartbeat worker,
    RenderedIssueCache renders,
    SendHalts halts,
    IOptions<DeliveryOptions> delivery,
    NewsletterMetrics metrics,
    TimeProvider clock,
    ILogger<SendScheduler> logger)
{
    /// <summary>
    /// Creates the send of <paramref name="issueNumber"/> to <paramref name="list"/>, or finds the existing one, and
    /// queues its fan-out unless it has finished. Queuing an unfinished send again is how an interrupted send resumes:
    /// deliveries already claimed or done are skipped. A send that has not started keeps the time it was first given
    /// (<paramref name="at"/> when it was created), also when it is resumed after a pause.
    /// </summary>
    /// <param name="resume">Also resume the send if it is paused, and take back deliveries abandoned by a dead worker.</param>
    /// <param name="retryFailed">Put the failed deliveries (except suppressed addresses) back to pending first.</param>
    /// <exception cref="CommandException">
    /// The issue does not exist; a template does not render (nothing is recorded or queued; the message names the file and line);
    /// the send is paused or cancelled and not being resumed; or <paramref name="at"/> asks another time for a send already waiting for its own.
    /// </exception>
    public async Task<ScheduledSend> ScheduleAsync(int issueNumber, MailingList list, DateTimeOffset? at, CancellationToken cancellationToken,
        bool resume = false, bool retryFailed = false)
    {
        _ = await issues.GetAsync(issueNumber, cancellationToken)
            ?? throw new CommandException($"There is no issue #{issueNumber}. `newsletter issue list` shows the issues; `newsletter issue compose` makes one.");

        // Render before anything is recorded or queued: a broken template stops here with its file and line, instead of
        // failing every batch job later. Batches in this process then find the render done.
        try
        {
            await renders.GetAsync(issueNumber, list, cancellationToken);
        }
        catch (TemplateException ex)
        {
            throw new CommandException($"Issue #{issueNumber} was not queued for list '{list.Name}': {ex.Message}");
        }

        var existing = await log.FindSendAsync(issueNumber, list.Name, cancellationToken);
        var send = existing ?? await log.CreateSendAsync(issueNumber, list, delivery.Value.BatchSize, at, cancellationToken);
        if (existing is null)
        {
            // Addresses already on the suppression list are recorded suppressed as the send is created, never claimed.
            metrics.Suppressed(list.Name, (await progress.CountAsync(issueNumber, send.Id, cancellationToken)).Suppressed);
        }
        if (existing is { State: SendState.Scheduled or SendState.Paused, StartedAt: null } && at is { } asked && asked != existing.ScheduledFor)
        {
            throw new CommandException(
                $"The send of issue #{issueNumber} to '{list.Name}' is already " +
                (existing.ScheduledFor is { } fixedAt ? $"scheduled for {fixedAt.ToLocalTime():yyyy-MM-dd HH:mm zzz}" : "queued to go as soon as a worker runs") +
                $"; it keeps that time. Run the command without --at to carry it on as it is.");
        }

        var retried = retryFailed ? await log.RetryFailedAsync(send.Id, cancellationToken) : 0;
        if (resume)
        {
            await worker.RecoverAsync(cancellationToken);
            await log.ResumeSendAsync(send.Id, cancellationToken);
        }
        send = await log.GetSendAsync(send.Id, cancellationToken) ?? send;

        switch (send.State)
        {
            case SendState.Finished:
                return new ScheduledSend(send, IsNew: false, AlreadyFinished: true, retried);
            case SendState.Cancelled:
                throw new CommandException($"The send of issue #{issueNumber} to '{list.Name}' was cancelled; a cancelled send stays cancelled.");
            case SendState.Paused:
                throw new CommandException($"The send of issue #{issueNumber} to '{list.Name}' is paused: {send.PauseReason} " +
                                           $"Resume it with `newsletter send {issueNumber} --list {list.Name} --resume`.");
        }

        // Queued again (after space was freed, say): a halt this process noted earlier no longer stands.
        halts.Clear(send.Id);

        // The stored time, not this call's: queuing a send again (to carry it on, or to resume it) must not bring it forward.
        if (send is { State: SendState.Scheduled, ScheduledFor: { } when } && when > clock.GetUtcNow())
        {
            jobs.Schedule<FanOutJob>(job => job.RunAsync(send.Id, CancellationToken.None), when);
            LogScheduled(issueNumber, list.Name, send.RecipientCount, when);
            return new ScheduledSend(send, IsNew: existing is null, AlreadyFinished: false, retried, ScheduledFor: when);
        }

        jobs.Enqueue<FanOutJob>(job => job.RunAsync(send.Id, CancellationToken.None));
        LogQueued(issueNumber, list.Name, send.RecipientCount, existing is not null);
        return new ScheduledSend(send, IsNew: existing is null, AlreadyFinished: false, retried);
    }

    /// <summary>Finds the send of an issue to a list.</summary>
    /// <exception cref="CommandException">There is none.</exception>
    public async Task<Send> FindAsync(int issueNumber, string listName, CancellationToken cancellationToken) =>
        await log.FindSendAsync(issueNumber, listName, cancellationToken)
        ?? throw new CommandException($"Issue #{issueNumber} has no send to list '{listName}'. `newsletter status {issueNumber}` lists its sends.");

    [LoggerMessage(Level = LogLevel.Information, Message = "Issue #{IssueNumber} to list {ListName}: {RecipientCount} recipients, scheduled for {At}")]
    private partial void LogScheduled(int issueNumber, string listName, int recipientCount, DateTimeOffset at);

    [LoggerMessage(Level = LogLevel.Information, Message = "Issue #{IssueNumber} to list {ListName}: {RecipientCount} recipients queued (resumed: {Resumed})")]
    private partial void LogQueued(int issueNumber, string listName, int recipientCount, bool resumed);
}

/// <param name="IsNew">The deliveries were recorded by this call.</param>
/// <param name="AlreadyFinished">The send had finished before; nothing was queued.</param>
/// <param name="Retried">Failed deliveries put back to pending by <c>--retry-failed</c>.</param>
/// <param name="ScheduledFor">When the fan-out will run, if later than now; null when it was queued to run at once.</param>
public sealed record ScheduledSend(Send Send, bool IsNew, bool AlreadyFinished, int Retried = 0, DateTimeOffset? ScheduledFor = null);
