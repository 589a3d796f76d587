using Newsletter.Delivery.Sending;
using Hangfire;
using Newsletter.Core.Deliveries;
using Newsletter.Worker.Hosting;

namespace Newsletter.Worker.Sending;

/// <summary>Waits for sends to finish, reporting the counts as they change.</summary>
public sealed class SendWatcher(ISendStore log, IDeliveryProgress progress, JobStorage jobStorage, SendHalts halts, IConfiguration configuration)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>How many polls deliveries may stay pending with no job queued, scheduled or running before we call the send stuck.</summary>
    private const int StalledPollsBeforeGivingUp = 20;

    /// <summary>Where `run` serves the dashboard: the first of <c>Newsletter:Web:Urls</c>.</summary>
    private string DashboardUrl()
    {
        var urls = configuration.GetSection(WebOptions.SectionName).Get<WebOptions>()?.Urls ?? new WebOptions().Urls;
        return urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault()?.TrimEnd('/') + "/hangfire";
    }

    /// <returns>The final counts, when nothing is outstanding.</returns>
    /// <exception cref="CommandException">
    /// The send was paused or cancelled, or stopped by a full disk, or deliveries are pending but no job will ever send them (a batch exhausted its retries).
    /// </exception>
    public async Task<DeliveryCounts> WaitAsync(int issueNumber, IReadOnlyList<Send> sends, Action<DeliveryCounts, DateTimeOffset?> report, CancellationToken cancellationToken)
    {
        var stalledPolls = 0;
        while (true)
        {
            var counts = DeliveryCounts.None;
            DateTimeOffset? nextAttempt = null;
            foreach (var send in sends)
            {
                counts += await progress.CountAsync(issueNumber, send.Id, cancellationToken);
                if (await progress.NextAttemptAsync(send.Id, cancellationToken) is { } next && (nextAttempt is null || next < nextAttempt))
                {
                    nextAttempt = next;
                }
            }
            report(counts, nextAttempt);

            if (counts.IsComplete)
            {
                foreach (var send in sends)
                {
                    await log.TryMarkSendFinishedAsync(send.Id, cancellationToken);
                }
                return counts;
            }

            foreach (var send in sends)
            {
                if (halts.TryGetReason(send.Id, out var halted))
                {
                    throw new CommandException($"The send of issue #{issueNumber} to '{send.ListName}' stopped: {halted} " +
                                               $"{counts.Outstanding:N0} deliveries were not sent.", ExitCodes.PartialFailure);
                }
                var now = await log.GetSendAsync(send.Id, cancellationToken);
                if (now?.State is SendState.Paused or SendState.Cancelled)
                {
                    throw new CommandException(
                        $"The send of issue #{issueNumber} to '{send.ListName}' is {now.State.ToString().ToLowerInvariant()}" +
                        (now.PauseReason is { } reason ? $": {reason}" : ".") +
                        $" {counts.Outstanding:N0} deliveries were not sent.", ExitCodes.PartialFailure);
                }
            }

            var jobs = jobStorage.GetMonitoringApi().GetStatistics();
            // Deliveries in flight belong to a live worker, or to a dead one whose claims the heartbeat will recover: not stuck.
            var idle = jobs.Enqueued + jobs.Scheduled + jobs.Processing == 0 && counts.Sending == 0;
            stalledPolls = idle ? stalledPolls + 1 : 0;
            if (stalledPolls >= StalledPollsBeforeGivingUp)
            {
                throw new CommandException(
                    $"{counts.Outstanding} deliveries of issue #{issueNumber} are unfinished, but no job is queued, scheduled or running " +
                    $"({jobs.Failed} failed jobs in Hangfire). See why on the dashboard (`newsletter run`, then {DashboardUrl()}) " +
                    $"or in the log above, fix it, and run `newsletter send {issueNumber} --list NAME --resume --wait` to finish the send.",
                    ExitCodes.PartialFailure);
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }
}
