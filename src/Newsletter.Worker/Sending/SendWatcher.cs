using Hangfire;
using Newsletter.Core.Deliveries;

namespace Newsletter.Worker.Sending;

/// <summary>Waits for sends to finish, reporting the counts as they change.</summary>
public sealed class SendWatcher(IDeliveryLog log, JobStorage jobStorage)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>How long deliveries may stay pending with no job queued, scheduled or running before we call the send stuck.</summary>
    private const int StalledPollsBeforeGivingUp = 20;

    /// <exception cref="CommandException">Deliveries are pending but no job will ever send them (e.g. a batch exhausted its retries).</exception>
    public async Task<DeliveryCounts> WaitAsync(int issueNumber, IReadOnlyList<Send> sends, Action<DeliveryCounts> report, CancellationToken cancellationToken)
    {
        var stalledPolls = 0;
        while (true)
        {
            var counts = await CountAsync(issueNumber, sends, cancellationToken);
            report(counts);
            if (counts.IsComplete)
            {
                foreach (var send in sends)
                {
                    await log.TryMarkSendFinishedAsync(send.Id, cancellationToken);
                }
                return counts;
            }

            var jobs = jobStorage.GetMonitoringApi().GetStatistics();
            stalledPolls = jobs.Enqueued + jobs.Scheduled + jobs.Processing == 0 ? stalledPolls + 1 : 0;
            if (stalledPolls >= StalledPollsBeforeGivingUp)
            {
                throw new CommandException(
                    $"{counts.Pending + counts.Sending} deliveries of issue #{issueNumber} are unfinished, but no job is queued, scheduled or running " +
                    $"({jobs.Failed} failed jobs in Hangfire). See why on the dashboard (`newsletter run`, then http://127.0.0.1:5080/hangfire) " +
                    $"or in the log above, fix it, and run the same `newsletter send {issueNumber} --list NAME --wait` again to resume.",
                    ExitCodes.PartialFailure);
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    private async Task<DeliveryCounts> CountAsync(int issueNumber, IReadOnlyList<Send> sends, CancellationToken cancellationToken)
    {
        var total = new DeliveryCounts(0, 0, 0, 0);
        foreach (var send in sends)
        {
            var c = await log.CountAsync(issueNumber, send.Id, cancellationToken);
            total = new DeliveryCounts(total.Pending + c.Pending, total.Sending + c.Sending, total.Sent + c.Sent, total.Failed + c.Failed);
        }
        return total;
    }
}
