using Microsoft.Extensions.Logging;
using Newsletter.Core.Composition;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Errors;
using Newsletter.Core.Lists;
using Newsletter.Core.Monitoring;
using Newsletter.Rendering;

namespace Newsletter.Delivery.Sending;

/// <summary>
/// Records a send's deliveries and queues (or schedules) its fan-out job, and carries out operators' pause, resume and cancel
/// (<see cref="ISendControl"/>). <see cref="SendQueue"/> is the one path that queues a send.
/// </summary>
public sealed partial class SendScheduler(
    ISendStore log,
    IDeliveryProgress progress,
    IIssueStore issues,
    SendQueue queue,
    RenderedIssueCache renders,
    IListDisplayNames lists,
    NewsletterMetrics metrics,
    ILogger<SendScheduler> logger) : ISendControl
{
    /// <summary>
    /// Creates the send of <paramref name="issueNumber"/> to <paramref name="list"/>, or finds the existing one, and
    /// queues its fan-out unless it has finished. Queuing an unfinished send again is how an interrupted send resumes:
    /// deliveries already claimed or done are skipped. A send that has not started keeps the time it was first given
    /// (<paramref name="at"/> when it was created), also when it is resumed after a pause.
    /// </summary>
    /// <param name="resume">Also resume the send if it is paused, and take back deliveries abandoned by a dead worker.</param>
    /// <param name="retryFailed">Put the failed deliveries (except suppressed addresses) back to pending first.</param>
    /// <exception cref="IssueNotFoundException">The issue does not exist.</exception>
    /// <exception cref="TemplateException">A template does not render (nothing is recorded or queued; the message names the file and line).</exception>
    /// <exception cref="SendStateConflictException">
    /// The send is cancelled, or paused and not being resumed; or <paramref name="at"/> asks another time for a send already waiting for its own.
    /// </exception>
    public async Task<ScheduledSend> ScheduleAsync(int issueNumber, MailingList list, DateTimeOffset? at, CancellationToken cancellationToken,
        bool resume = false, bool retryFailed = false)
    {
        _ = await issues.GetAsync(issueNumber, cancellationToken) ?? throw new IssueNotFoundException(issueNumber);
        await RenderFirstAsync(issueNumber, list, cancellationToken);

        var existing = await log.FindSendAsync(issueNumber, list.Name, cancellationToken);
        var batchSize = queue.BatchSizeFor(list);
        var send = existing ?? await log.CreateSendAsync(issueNumber, list, batchSize, at, cancellationToken);
        if (existing is null)
        {
            // Addresses already on the suppression list are recorded suppressed as the send is created, never claimed.
            metrics.Suppressed(list.Name, (await progress.CountAsync(issueNumber, send.Id, cancellationToken)).Suppressed);
        }
        if (existing is { State: SendState.Scheduled or SendState.Paused, StartedAt: null } && at is { } asked && asked != existing.ScheduledFor)
        {
            throw new SendStateConflictException(existing,
                $"The send of issue #{issueNumber} to '{list.Name}' is already " +
                (existing.ScheduledFor is { } fixedAt ? $"scheduled for {fixedAt.ToLocalTime():yyyy-MM-dd HH:mm zzz}" : "queued to go as soon as a worker runs") +
                $"; it keeps that time. Run the command without --at to carry it on as it is.");
        }

        return await queue.QueueAsync(send, isNew: existing is null, resume, retryFailed, cancellationToken);
    }

    /// <summary>Finds the send of an issue to a list.</summary>
    /// <exception cref="SendNotFoundException">There is none.</exception>
    public async Task<Send> FindAsync(int issueNumber, string listName, CancellationToken cancellationToken) =>
        await log.FindSendAsync(issueNumber, listName, cancellationToken) ?? throw new SendNotFoundException(issueNumber, listName);

    /// <inheritdoc />
    public async Task<Send> PauseAsync(long sendId, string reason, CancellationToken cancellationToken)
    {
        var send = await GetAsync(sendId, cancellationToken);
        if (!await log.PauseSendAsync(sendId, reason, cancellationToken))
        {
            throw new SendStateConflictException(send,
                $"The send of issue #{send.IssueNumber} to '{send.ListName}' is {send.State.ToString().ToLowerInvariant()} and cannot be paused.");
        }
        LogPaused(send.IssueNumber, send.ListName, reason);
        return await GetAsync(sendId, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<Send> ResumeAsync(long sendId, CancellationToken cancellationToken)
    {
        var send = await GetAsync(sendId, cancellationToken);
        if (send.State is SendState.Finished)
        {
            throw new SendStateConflictException(send, $"The send of issue #{send.IssueNumber} to '{send.ListName}' has finished; there is nothing to resume.");
        }
        // The send exists, so its list's membership is not read again: only its name and display name matter to the render.
        await RenderFirstAsync(send.IssueNumber, new ListIdentity(send.ListName, lists.DisplayNameOf(send.ListName)), cancellationToken);
        return (await queue.QueueAsync(send, isNew: false, resume: true, retryFailed: false, cancellationToken)).Send;
    }

    /// <inheritdoc />
    public async Task<int> CancelAsync(long sendId, CancellationToken cancellationToken)
    {
        var send = await GetAsync(sendId, cancellationToken);
        var cancelled = await log.CancelSendAsync(sendId, cancellationToken);
        if (cancelled < 0)
        {
            throw new SendStateConflictException(send, $"The send of issue #{send.IssueNumber} to '{send.ListName}' has finished; there is nothing to cancel.");
        }
        LogCancelled(send.IssueNumber, send.ListName, cancelled);
        return cancelled;
    }

    private async Task<Send> GetAsync(long sendId, CancellationToken cancellationToken) =>
        await log.GetSendAsync(sendId, cancellationToken) ?? throw new SendNotFoundException(sendId);

    /// <summary>
    /// Renders before anything is recorded or queued, and stores the rendering: a broken template stops here with its file and
    /// line, instead of failing every batch job later, and the workers send what was checked here without running a template.
    /// A send that has a stored rendering keeps it.
    /// </summary>
    private async Task RenderFirstAsync(int issueNumber, ListIdentity list, CancellationToken cancellationToken)
    {
        try
        {
            await renders.FreezeAsync(issueNumber, list, cancellationToken);
        }
        catch (TemplateException ex)
        {
            throw new TemplateException($"Issue #{issueNumber} was not queued for list '{list.Name}': {ex.Message}", ex.TemplatePath, ex.Line, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Issue #{IssueNumber} to list {ListName}: paused ({Reason})")]
    private partial void LogPaused(int issueNumber, string listName, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Issue #{IssueNumber} to list {ListName}: cancelled, {Cancelled} deliveries will not be sent")]
    private partial void LogCancelled(int issueNumber, string listName, int cancelled);
}
