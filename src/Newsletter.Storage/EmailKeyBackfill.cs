using Newsletter.Core.Lists;

namespace Newsletter.Storage;

/// <summary>
/// The rule of the schema upgrade that brought the address key, shared by both providers: for each (issue, key) the
/// first deliverable row keeps the key (rows come sent first, then by id), suppressed and cancelled rows always keep it,
/// and an unsent second spelling of an address that already has the issue is cancelled.
/// </summary>
internal static class EmailKeyBackfill
{
    /// <param name="deliveries">Every delivery, ordered by issue, then sent rows first, then by id.</param>
    public static (List<(long Id, string Key)> Keyed, List<long> Cancelled) Plan(IEnumerable<(long Id, long IssueNumber, string Email, string State)> deliveries)
    {
        var keyed = new List<(long, string)>();
        var cancelled = new List<long>();
        var holders = new HashSet<(long, string)>();
        foreach (var (id, issueNumber, email, state) in deliveries)
        {
            var key = EmailKey.Of(email).Value;
            if (state is "suppressed" or "cancelled" || holders.Add((issueNumber, key)))
            {
                keyed.Add((id, key));
            }
            else if (state is "pending" or "deferred")
            {
                cancelled.Add(id);
            }
        }
        return (keyed, cancelled);
    }
}
