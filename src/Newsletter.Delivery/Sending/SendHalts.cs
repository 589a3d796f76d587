using System.Collections.Concurrent;

namespace Newsletter.Delivery.Sending;

/// <summary>
/// Sends this process stopped for a reason it may not have been able to record in the store (a full disk under the database),
/// so that the watcher of a send (<c>send --wait</c>) in the same process ends with that reason instead of waiting on counts
/// that no longer move, and so that <see cref="HaltRecorder"/> writes the pause once the store can be written again.
/// </summary>
public sealed class SendHalts
{
    private readonly ConcurrentDictionary<long, Entry> _halts = new();

    /// <summary>Notes that this process stopped the send.</summary>
    /// <returns>Whether this is the first halt of the send noted here (later batches of the same send stop for the same reason).</returns>
    public bool Halt(long sendId, string reason) => _halts.TryAdd(sendId, new Entry(reason, Recorded: true, UnreleasedDeliveryId: null));

    /// <summary>The store could not be written: the pause (and the release of the claimed delivery, if any) is still to be recorded.</summary>
    public void NotRecorded(long sendId, string reason, long? unreleasedDeliveryId) =>
        _halts[sendId] = new Entry(reason, Recorded: false, unreleasedDeliveryId);

    /// <summary>The pause is in the store now.</summary>
    public void Recorded(long sendId)
    {
        if (_halts.TryGetValue(sendId, out var halt))
        {
            _halts.TryUpdate(sendId, halt with { Recorded = true, UnreleasedDeliveryId = null }, halt);
        }
    }

    /// <summary>The halts whose pause is not in the store yet.</summary>
    public IReadOnlyList<(long SendId, string Reason, long? UnreleasedDeliveryId)> Unrecorded() =>
        _halts.Where(h => !h.Value.Recorded).Select(h => (h.Key, h.Value.Reason, h.Value.UnreleasedDeliveryId)).ToList();

    public void Clear(long sendId) => _halts.TryRemove(sendId, out _);

    public bool TryGetReason(long sendId, out string reason)
    {
        var found = _halts.TryGetValue(sendId, out var halt);
        reason = halt?.Reason ?? "";
        return found;
    }

    private sealed record Entry(string Reason, bool Recorded, long? UnreleasedDeliveryId);
}
