using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Errors;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Transports;

namespace Newsletter.Delivery.Sending;

/// <summary>
/// Hands a send to the job queue (<see cref="ISendJobQueue"/>): the one path by which a send is queued, whether it is new,
/// carried on by <c>send</c> again, or resumed; and how a send is cut into the batch jobs its fan-out queues.
/// </summary>
public sealed partial class SendQueue(
    ISendStore log,
    ISendJobQueue jobs,
    ClaimRecovery abandonedClaims,
    SendHalts halts,
    IOptions<DeliveryOptions> delivery,
    TimeProvider clock,
    ILogger<SendQueue> logger)
{
    /// <summary>The batch size for a new send to <paramref name="list"/>: spread over the job queue's workers.</summary>
    public int BatchSizeFor(MailingList list) => BatchSizing.For(list.SubscriberCount, delivery.Value.BatchSize, jobs.WorkerCount);

    /// <summary>Queues (or schedules) the fan-out of a send that exists, after resuming it or retrying its failures if asked.</summary>
    /// <exception cref="SendStateConflictException">The send is cancelled, or paused (and not resumed).</exception>
    public async Task<ScheduledSend> QueueAsync(Send send, bool isNew, bool resume, bool retryFailed, CancellationToken cancellationToken)
    {
        var retried = retryFailed ? await log.RetryFailedAsync(send.Id, cancellationToken) : 0;
        if (resume)
        {
            await abandonedClaims.RecoverAsync(cancellationToken);
            if (await log.ResumeSendAsync(send.Id, cancellationToken))
            {
                LogResumed(send.IssueNumber, send.ListName);
            }
        }
        send = await log.GetSendAsync(send.Id, cancellationToken) ?? send;

        switch (send.State)
        {
            case SendState.Finished:
                return new ScheduledSend(send, IsNew: false, AlreadyFinished: true, retried);
            case SendState.Cancelled:
                throw new SendStateConflictException(send, $"The send of issue #{send.IssueNumber} to '{send.ListName}' was cancelled; a cancelled send stays cancelled.");
            case SendState.Paused:
                throw new SendStateConflictException(send, $"The send of issue #{send.IssueNumber} to '{send.ListName}' is paused: {send.PauseReason} " +
                                                           $"Resume it with `newsletter send {send.IssueNumber} --list {send.ListName} --resume`.");
        }

        // Queued again (after space was freed, say): a halt this process noted earlier no longer stands.
        halts.Clear(send.Id);

        // The stored time, not this call's: queuing a send again (to carry it on, or to resume it) must not bring it forward.
        if (send is { State: SendState.Scheduled, ScheduledFor: { } when } && when > clock.GetUtcNow())
        {
            jobs.ScheduleFanOut(send.Id, when);
            LogScheduled(send.IssueNumber, send.ListName, send.RecipientCount, when);
            return new ScheduledSend(send, isNew, AlreadyFinished: false, retried, ScheduledFor: when);
        }

        jobs.QueueFanOut(send.Id);
        LogQueued(send.IssueNumber, send.ListName, send.RecipientCount, !isNew);
        return new ScheduledSend(send, isNew, AlreadyFinished: false, retried);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Issue #{IssueNumber} to list {ListName}: {RecipientCount} recipients, scheduled for {At}")]
    private partial void LogScheduled(int issueNumber, string listName, int recipientCount, DateTimeOffset at);

    [LoggerMessage(Level = LogLevel.Information, Message = "Issue #{IssueNumber} to list {ListName}: {RecipientCount} recipients queued (resumed: {Resumed})")]
    private partial void LogQueued(int issueNumber, string listName, int recipientCount, bool resumed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Issue #{IssueNumber} to list {ListName}: resumed")]
    private partial void LogResumed(int issueNumber, string listName);
}

/// <param name="IsNew">The deliveries were recorded by this call.</param>
/// <param name="AlreadyFinished">The send had finished before; nothing was queued.</param>
/// <param name="Retried">Failed deliveries put back to pending by <c>--retry-failed</c>.</param>
/// <param name="ScheduledFor">When the fan-out will run, if later than now; null when it was queued to run at once.</param>
public sealed record ScheduledSend(Send Send, bool IsNew, bool AlreadyFinished, int Retried = 0, DateTimeOffset? ScheduledFor = null);
