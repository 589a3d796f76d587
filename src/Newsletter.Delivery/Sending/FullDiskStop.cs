using Microsoft.Extensions.Logging;
using Newsletter.Core;
using Newsletter.Core.Deliveries;

namespace Newsletter.Delivery.Sending;

/// <summary>
/// What a full disk does to a send, wherever the send finds it (a batch, or the fan-out that queues the batches): the send
/// stops, the delivery in hand goes back to pending, and the send pauses with a reason that names the full file and says what to
/// do. Retrying cannot help until someone frees space, and job-system retries would only make the send look stuck. When the
/// store itself is on the full disk and cannot record the pause, <see cref="SendHalts"/> keeps it for this process's watcher and
/// for <see cref="HaltRecorder"/>, which writes it once there is room: the send never stays "running" with nothing happening.
/// </summary>
public sealed partial class FullDiskStop(ISendStore sends, IDeliveryClaims claims, SendHalts halts, IDiskFullErrors diskFull, ILogger<FullDiskStop> logger)
{
    /// <returns>The full disk, described, or null when <paramref name="exception"/> is about something else.</returns>
    public DiskFullException? Recognise(Exception exception) => diskFull.Recognise(exception);

    /// <summary>Stops <paramref name="send"/> because of <paramref name="full"/>. Never throws for a full disk.</summary>
    /// <param name="claimedDeliveryId">The delivery claimed and not sent when the disk was found full, if any.</param>
    public async Task StopAsync(Send send, DiskFullException full, long? claimedDeliveryId)
    {
        ArgumentNullException.ThrowIfNull(send);
        ArgumentNullException.ThrowIfNull(full);
        var reason = $"{full.Message} Nothing was lost: what was not sent waits, pending. Once there is space, resume with " +
                     $"`newsletter send {send.IssueNumber} --list {send.ListName} --resume`.";
        var first = halts.Halt(send.Id, reason);
        try
        {
            if (claimedDeliveryId is { } id)
            {
                await claims.ReleaseAsync(id, "not sent: the disk is full", CancellationToken.None);
            }
            if (await sends.PauseSendAsync(send.Id, reason, CancellationToken.None))
            {
                LogPaused(send.IssueNumber, send.ListName, reason);
            }
        }
        catch (Exception ex) when (diskFull.Recognise(ex) is not null)
        {
            // The store is on a full disk too: the pause is written once there is room (HaltRecorder). Said once per send, not
            // once per batch that finds the same disk full.
            halts.NotRecorded(send.Id, reason, claimedDeliveryId);
            if (first)
            {
                LogPauseNotRecorded(send.IssueNumber, send.ListName, reason);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Issue #{IssueNumber} to {ListName} paused: {Reason}")]
    private partial void LogPaused(int issueNumber, string listName, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Issue #{IssueNumber} to {ListName} stopped, and the database cannot record the pause yet; it will as soon as there is room: {Reason}")]
    private partial void LogPauseNotRecorded(int issueNumber, string listName, string reason);
}
