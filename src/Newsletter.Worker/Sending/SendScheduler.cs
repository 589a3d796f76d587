using Hangfire;
using Microsoft.Extensions.Options;
using Newsletter.Core.Composition;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Transports;
using Newsletter.Worker.Monitoring;
using Newsletter.Worker.Scheduling;

namespace Newsletter.Worker.Sending;

/// <summary>Records a send's deliveries, queues (or schedules) its fan-out job, and carries out operators' pause, resume and cancel.</summary>
public sealed partial class SendScheduler(
    IDeliveryLog log,
    IIssueStore issues,
    IBackgroundJobClient jobs,
    WorkerHeartbeat worker,
    IOptions<DeliveryOptions> delivery,
    NewsletterMetrics metrics,
    TimeProvider clock,
    ILogger<SendScheduler> logger)
{
    /// <summary>
    /// Creates the send of <paramref name="issueNumber"/> to <paramref name="list"/>, or finds the existing one, and
    /// queues its fan-out unless it has finished. Queuing an unfinished send again is how an interrupted send resumes:
    /// deliveries already claimed or done are skipped.
    /// </summary>
    /// <param name="resume">Also resume the send if it is paused, and take back deliveries abandoned by a dead worker.</param>
    /// <param name="retryFailed">Put the failed deliveries (except suppressed addresses) back to pending first.</param>
    /// <exception cref="CommandException">The issue does not exist, or the send is paused or cancelled and not being resumed.</exception>
    public async Task<ScheduledSend> ScheduleAsync(int issueNumber, MailingList list, DateTimeOffset? at, CancellationToken cancellationToken,
        bool resume = false, bool retryFailed = false)
    {
        _ = await issues.GetAsync(issueNumber, cancellationToken)
            ?? throw new CommandException($"There is no issue #{issueNumber}. `newsletter issue list` shows the issues; `newsletter issue compose` makes one.");

        var existing = await log.FindSendAsync(issueNumber, list.Name, cancellationToken);
        var send = existing ?? await log.CreateSendAsync(issueNumber, list, delivery.Value.BatchSize, at, cancellationToken);
        if (existing is null)
        {
            // Addresses already on the suppression list are recorded suppressed as the send is created, never claimed.
            metrics.Suppressed(list.Name, (await log.CountAsync(issueNumber, send.Id, cancellationToken)).Suppressed);
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

        if (at is { } when && when > clock.GetUtcNow())
        {
            jobs.Schedule<FanOutJob>(job => job.RunAsync(send.Id, CancellationToken.None), when);
            LogScheduled(issueNumber, list.Name, send.RecipientCount, when);
        }
        else
        {
            jobs.Enqueue<FanOutJob>(job => job.RunAsync(send.Id, CancellationToken.None));
            LogQueued(issueNumber, list.Name, send.RecipientCount, existing is not null);
        }

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
public sealed record ScheduledSend(Send Send, bool IsNew, bool AlreadyFinished, int Retried = 0);
