using System.Collections.Concurrent;

namespace Newsletter.Delivery.Sending;

/// <summary>
/// Sends this process stopped for a reason it may not have been able to record in the store (a full disk under the database),
/// so that the watcher of a send (<c>send --wait</c>) in the same process ends with that reason instead of waiting on counts that no longer move.
/// </summary>
public sealed class SendHalts
{
    private readonly ConcurrentDictionary<long, string> _reasons = new();

    public void Halt(long sendId, string reason) => _reasons[sendId] = reason;

    public void Clear(long sendId) => _reasons.TryRemove(sendId, out _);

    public bool TryGetReason(long sendId, out string reason) => _reasons.TryGetValue(sendId, out reason!);
}
