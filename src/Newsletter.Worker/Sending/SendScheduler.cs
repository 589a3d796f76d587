using Hangfire;
using Microsoft.Extensions.Options;
using Newsletter.Core.Composition;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Transports;
using Newsletter.Worker.Scheduling;

namespace Newsletter.Worker.Sending;

/// <summary>Records a send's deliveries and queues (or schedules) its fan-out job.</summary>
public sealed partial class SendScheduler(
    IDeliveryLog log,
    IIssueStore issues,
    IBackgroundJobClient jobs,
    IOptions<DeliveryOptions> delivery,
    TimeProvider clock,
    ILogger<SendScheduler> logger)
{
    /// <summary>
    /// Creates the send of <paramref name="issueNumber"/> to <paramref name="list"/>, or finds the existing one, and
    /// queues its fan-out unless it has finished. Queuing an unfinished send again is how an interrupted send resumes:
    /// deliveries already claimed or done are skipped.
    /// </summary>
    /// <exception cref="CommandException">The issue does not exist.</exception>
    public async Task<ScheduledSend> ScheduleAsync(int issueNumber, MailingList list, DateTimeOffset? at, CancellationToken cancellationToken)
    {
        _ = await issues.GetAsync(issueNumber, cancellationToken)
            ?? throw new CommandException($"There is no issue #{issueNumber}. `newsletter issue list` shows the issues; `newsletter issue compose` makes one.");

        var existing = await log.FindSendAsync(issueNumber, list.Name, cancellationToken);
        var send = existing ?? await log.CreateSendAsync(issueNumber, list, delivery.Value.BatchSize, at, cancellationToken);
        if (send.State == SendState.Finished)
        {
            return new ScheduledSend(send, IsNew: false, AlreadyFinished: true);
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

        return new ScheduledSend(send, IsNew: existing is null, AlreadyFinished: false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Issue #{IssueNumber} to list {ListName}: {RecipientCount} recipients, scheduled for {At}")]
    private partial void LogScheduled(int issueNumber, string listName, int recipientCount, DateTimeOffset at);

    [LoggerMessage(Level = LogLevel.Information, Message = "Issue #{IssueNumber} to list {ListName}: {RecipientCount} recipients queued (resumed: {Resumed})")]
    private partial void LogQueued(int issueNumber, string listName, int recipientCount, bool resumed);
}

/// <param name="IsNew">The deliveries were recorded by this call.</param>
/// <param name="AlreadyFinished">The send had finished before; nothing was queued.</param>
public sealed record ScheduledSend(Send Send, bool IsNew, bool AlreadyFinished);
