using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newsletter.Core.Deliveries;

namespace Newsletter.Delivery.Sending;

/// <summary>
/// Puts back to work the deliveries whose worker died mid-send (kill -9, power loss): they go back to pending, marked
/// uncertain, and their send is queued again. The worker's heartbeat runs it every beat; <c>send --resume</c> runs it once.
/// </summary>
public sealed partial class ClaimRecovery(
    IWorkerHeartbeats heartbeats, ISendJobQueue jobs, IOptions<SendingOptions> options, ILogger<ClaimRecovery> logger)
{
    /// <summary>Returns abandoned claims to pending and queues their sends again; returns how many sends were resumed.</summary>
    public async Task<int> RecoverAsync(CancellationToken cancellationToken)
    {
        var sends = await heartbeats.RecoverAbandonedClaimsAsync(TimeSpan.FromSeconds(options.Value.WorkerTimeoutSeconds), cancellationToken);
        foreach (var sendId in sends)
        {
            jobs.QueueFanOut(sendId);
            LogRecovered(sendId);
        }
        return sends.Count;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Send {SendId}: deliveries claimed by a worker that stopped were put back and the send queued again; they are marked uncertain")]
    private partial void LogRecovered(long sendId);
}
