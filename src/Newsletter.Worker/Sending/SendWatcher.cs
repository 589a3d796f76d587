using Hangfire;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Errors;
using Newsletter.Delivery.Sending;
using Newsletter.Worker.Hosting;

namespace Newsletter.Worker.Sending;

/// <summary>Waits for sends to finish, reporting the counts as they change.</summary>
public sealed class SendWatcher(ISendStore log, IDeliveryProgress deliveries, JobStorage jobStorage, SendHalts halts, IConfiguration configuration)
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
    /// <exception cref="SendStoppedException">
    /// The send was paused or cancelled, or stopped by a full disk, or deliveries are pending but no job will ever send them (a batch exhausted its retries).
    /// </exception>
    public async Task<DeliveryCounts> WaitAsync(int issueNumber, IReadOnlyList<Send> sends, Action<DeliveryCounts, DateTimeOffset?> report, CancellationToken cancellationToken)
    {
        var stalledPolls = 0;
        var sendIds = sends.Select(s => s.Id).ToList();
        while (true)
        {
            var progress = await deliveries.GetSendProgressAsync(sendIds, cancellationToken);
            var counts = progress.Aggregate(DeliveryCounts.None, (sum, send) => sum + send.Counts);
            report(counts, progress.Min(send => send.NextAttemptAt));

            if (counts.IsComplete)
            {
                foreach (var send in progress)
                {
                    await log.TryMarkSendFinishedAsync(send.Send.Id, cancellationToken);
                }
                return counts;
            }

            foreach (var send in progress)
            {
                if (halts.TryGetReason(send.Send.Id, out var halted))
                {
                    throw new SendStoppedException(issueNumber, counts.Outstanding, $"The send of issue #{issueNumber} to '{send.Send.ListName}' stopped: {halted} " +
                                                                                    $"{counts.Outstanding:N0} deliveries were not sent.");
                }
                if (send.Phase is SendPhase.Paused or SendPhase.Cancelled)
                {
                    var state = send.Describe(TimeZoneInfo.Local);
                    throw new SendStoppedException(issueNumber, counts.Outstanding,
                        $"The send of issue #{issueNumber} to '{send.Send.ListName}' is {state}{(state.EndsWith('.') ? "" : ".")} " +
                        $"{counts.Outstanding:N0} deliveries were not sent.");
                }
            }

            var jobs = jobStorage.GetMonitoringApi().GetStatistics();
            // Deliveries in flight belong to a live worker, or to a dead one whose claims the heartbeat will recover: not stuck.
            var idle = jobs.Enqueued + jobs.Scheduled + jobs.Processing == 0 && counts.Sending == 0;
            stalledPolls = idle ? stalledPolls + 1 : 0;
            if (stalledPolls >= StalledPollsBeforeGivingUp)
            {
                throw new SendStoppedException(issueNumber, counts.Outstanding,
                    $"{counts.Outstanding} deliveries of issue #{issueNumber} are unfinished, but no job is queued, scheduled or running " +
                    $"({jobs.Failed} failed jobs in Hangfire). See why on the dashboard (`newsletter run`, then {DashboardUrl()}) " +
                    $"or in the log above, fix it, and run `newsletter send {issueNumber} --list NAME --resume --wait` to finish the send.");
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }
}
